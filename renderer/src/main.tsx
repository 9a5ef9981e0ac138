import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connect } from './api.js';
import { App } from './App.js';
import './styles.css';

connect();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
