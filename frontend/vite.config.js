import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    // The Flask app serves this folder at `/` (history-mode fallback to index.html).
    outDir: '../src/tickwork/webui',
    emptyOutDir: true,
    chunkSizeWarningLimit: 900,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8000' },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.test.{js,ts}'],
    restoreMocks: true,
    // make test runs these beside the Python suite: a mount may wait for a busy core.
    testTimeout: 15_000,
  },
})
