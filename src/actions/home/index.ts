/** actions/home: what the rest of the program may use; everything else in this folder is internal. */
export { homeViewFor, MARK_CLOCK_MARGIN_MS, navigateHome, noticeOnHome, openHome, searchPartnerIds, sharedSnapshot, type HomeDeps, type HomeNavigation, type HomeRefresh, type HomeStateStore, type HomeViewDeps } from './home.js';
export { readHomeDetails, readHomeSnapshot, type HomeReadDeps } from './read-home.js';
