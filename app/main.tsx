/**
 * Entry point of the lab: reads the URL flags (share link, hide, presenter), mounts React, restores
 * the saved runs and starts the engine worker.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { applyExperimentLink, applyUrlFlags } from './share/share-actions.js';
import { restoreExperiments } from './state/experiment-actions.js';
import { restoreSavedRuns } from './state/run-actions.js';
import { restartOnConfigChange } from './state/run-control.js';
import { App } from './ui/App.js';
import { benchLearning, send, startEngineWorker } from './worker/client.js';
import './ui/styles.css';

applyUrlFlags(window.location.hash, window.location.search);
applyExperimentLink(window.location.hash);
const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
startEngineWorker();
restartOnConfigChange();
void restoreSavedRuns().then(restoreExperiments);

// A console hook to try the lost-device path (the e2e tests use it too): the worker destroys its device.
(window as unknown as { tabrlSimulateDeviceLoss: () => void }).tabrlSimulateDeviceLoss = () =>
  send({ type: 'simulate-device-loss' });

// `tabrl bench --learning --browser` drives this page: the time-to-learn benchmark in the lab's worker.
(window as unknown as { tabrlBench: { learning: typeof benchLearning } }).tabrlBench = {
  learning: benchLearning,
};
