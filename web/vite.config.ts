import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Root is web/; the build lands in web/dist, which the server serves at `/`.
// `npm run dev:web` proxies /graphql to a running `npm start` (or FAULTLINE_API).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: {
    proxy: { '/graphql': { target: process.env.FAULTLINE_API ?? 'http://127.0.0.1:4000', changeOrigin: true } },
  },
});
