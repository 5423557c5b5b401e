import { defineConfig } from 'vite';

// The page (issue "The page") grows here; for now the config only fixes the root.
export default defineConfig({
  root: '.',
});
