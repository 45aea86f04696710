/**
 * `npm run dev`: the service in development mode, restarted by `node --watch` on every change.
 * Setting NODE_ENV here rather than in the npm script works on every shell, Windows' included.
 */
import './development-env.ts';

process.env['NODE_ENV'] = 'development';
await import('./main.ts');
