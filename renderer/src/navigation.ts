/** The screens of the side bar; screens name where a button leads by these. */
export type Screen = 'home' | 'history' | 'settings' | 'setup';
