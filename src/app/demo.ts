/** The account `serve --demo` provisions. Apart from start.ts so that naming it loads nothing else. */
export const DEMO_ACCOUNT_SID = 'demo';
