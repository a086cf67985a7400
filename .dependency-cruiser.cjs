/**
 * Import circles, type-only imports included (ESLint's import-x/no-cycle sees only the imports
 * that run). The layers themselves are kept by ESLint (eslint.config.js).
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Two modules that need each other belong together, or their shared part apart.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
