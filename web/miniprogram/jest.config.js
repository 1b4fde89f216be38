// Unit tests run pages and components in miniprogram-simulate with wx.*
// faked at the edge; *.e2e.test.js route wx.request to a real `wufei serve`
// started once for the run (test/helpers/server-setup.js).
module.exports = {
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/test/**/*.test.js'],
  globalSetup: '<rootDir>/test/helpers/server-setup.js',
  globalTeardown: '<rootDir>/test/helpers/server-teardown.js',
  setupFiles: ['<rootDir>/test/helpers/setup-wx.js'],
  setupFilesAfterEnv: ['<rootDir>/test/helpers/after-env.js'],
  testTimeout: 30000,
}
