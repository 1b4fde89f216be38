// Runs in every test file after the framework is up: removes files the wx fakes wrote.
afterAll(() => require('./wx').cleanup())
