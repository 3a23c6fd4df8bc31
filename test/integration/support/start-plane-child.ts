// Run by launcher.test.ts as a separate process: starts a control plane, prints its work
// folder, then idles until killed, so the test can SIGKILL it and look for leftovers.
import { LocalControlPlane } from '../../../src/testing/index.js';

const binDir = process.argv[2];
if (!binDir) throw new Error('usage: start-plane-child.ts BIN_DIR');
const plane = await LocalControlPlane.start({ binDir });
console.log(JSON.stringify({ workDir: plane.workDir, server: plane.server }));
setInterval(() => {}, 60_000);
