// Loaded first by every test file (jest setupFiles): miniprogram-simulate
// puts its wx mock on global, then helpers/wx.js replaces the parts our code
// touches with recording fakes, before config.js reads the version.
require('miniprogram-simulate')
global.__wxfake = require('./wx').install()
