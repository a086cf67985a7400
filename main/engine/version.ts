/** Recorded in every manifest so a future version knows who wrote a snapshot. */
export const APP_VERSION = '0.1.0';
