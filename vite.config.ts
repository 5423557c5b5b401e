import { defineConfig } from 'vite';

// The page (index.html → src/web/main.ts). `npm start` serves it, `npm run build:web` writes a
// static site to dist-web/ (dist/ is tsc's output for the library and the CLI).
export default defineConfig({
  root: '.',
  // Relative asset URLs: the built site works from any path (a subfolder, a file server).
  base: './',
  server: { host: '127.0.0.1', port: 5173, strictPort: false },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
  build: {
    outDir: 'dist-web',
    emptyOutDir: true,
    target: 'es2022',
    // Guest images and the core stay files of their own (fetched by the workers), never data: URLs.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
  // Module workers: the worker imports the core's host API as ES modules.
  worker: { format: 'es' },
});
