/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The console is served by wufei under /console/ (internal/httpapi/console.go);
// `npm run dev` proxies the API to a local `wufei serve` on :8080.
export default defineConfig({
  base: '/console/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Element Plus and ECharts make one large chunk; it is gzip-compressed
    // when served and cached forever under its hashed name.
    chunkSizeWarningLimit: 2500,
    reportCompressedSize: false,
  },
  server: {
    // The district boundaries and census figures live in configs/refdata.
    fs: { allow: ['../..'] },
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.test.ts'],
  },
})
