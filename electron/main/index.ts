// Electron main entry (package.json "main": dist/electron/main/index.js). Everything is in
// app.ts; this file only starts it, so tests can import app.ts with `electron` mocked.
import { startApp } from './app.js';

startApp();
