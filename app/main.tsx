/** Entry point of the lab: mounts React and starts the engine worker. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App.js';
import { startEngineWorker } from './worker/client.js';
import './ui/styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
startEngineWorker();
