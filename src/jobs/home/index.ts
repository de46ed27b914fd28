/** jobs/home: what the rest of the program may use; everything else in this folder is internal. */
export { createHomeQueue, createHomeWorker, DEFAULT_HOME_OPTIONS, homeViewHash, markHome, scheduleHomeSweep, viewerMarker, type HomePublishOptions } from './home-publish.js';
