// Bundles the CLI into dist/ (ESM, code-split so --help and --version never load Ink).
import {build} from 'esbuild';
import {rmSync, chmodSync} from 'node:fs';

rmSync('dist', {recursive: true, force: true});
await build({
  entryPoints: ['cli.tsx'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  jsx: 'automatic',
  minify: true,
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  // Ink imports react-devtools-core only when DEV is set; keep it out of the bundle.
  external: ['react-devtools-core'],
  define: {'process.env.NODE_ENV': '"production"'},
  banner: {js: "import {createRequire as __kubepkiRequire} from 'node:module'; const require = __kubepkiRequire(import.meta.url);"},
  logLevel: 'warning',
});
chmodSync('dist/cli.js', 0o755);
