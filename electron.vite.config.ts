/**
 * Builds the desktop app into out/app: main (with the engine and its worker threads as entries
 * of their own, so they can be started by file name), the sandboxed preload (one CommonJS file
 * with nothing external), and the React renderer.
 */
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/app/main',
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve('main/index.ts'),
          'chunk-worker': resolve('main/engine/repository/chunk-worker.ts'),
          'engine-worker': resolve('main/app/engine-worker.ts'),
        },
        // Flat output: workers are found beside the code that starts them.
        output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/app/preload',
      // A sandboxed preload cannot require packages: bundle everything into one file.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    build: {
      outDir: 'out/app/renderer',
      rollupOptions: { input: resolve('renderer/index.html') },
    },
    plugins: [react()],
  },
});
