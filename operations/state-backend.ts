// Where `npm run roll` and `npm run restore` find the stacks' state: the same backend as the
// `deploy:*` scripts (package.json), so the commands work on the stacks those scripts made.
import * as fs from "fs";
import * as path from "path";

/** The folder of the local file backend, in the project folder, as the `deploy:*` scripts use. */
export const LOCAL_STATE_FOLDER = ".pulumi-state";

/**
 * The state backend URL for a project in `projectDir`: `PULUMI_BACKEND_URL` when set, else the
 * `deploy:*` scripts' default, `file://<projectDir>/.pulumi-state`. `defaulted` says which.
 */
export function stateBackendUrl(
  env: Readonly<Record<string, string | undefined>>,
  projectDir: string,
): { url: string; defaulted: boolean } {
  const given = env.PULUMI_BACKEND_URL;
  if (given) return { url: given, defaulted: false };
  return { url: `file://${path.join(projectDir, LOCAL_STATE_FOLDER)}`, defaulted: true };
}

/**
 * Sets `PULUMI_BACKEND_URL` in this process (which the Automation API's Pulumi CLI inherits) to
 * {@link stateBackendUrl}'s answer, making the local folder when it is the default, as
 * `mkdir -p .pulumi-state` does in the `deploy:*` scripts. Returns the URL.
 */
export function useStateBackend(projectDir: string): string {
  const { url, defaulted } = stateBackendUrl(process.env, projectDir);
  if (defaulted) fs.mkdirSync(path.join(projectDir, LOCAL_STATE_FOLDER), { recursive: true });
  process.env.PULUMI_BACKEND_URL = url;
  return url;
}
