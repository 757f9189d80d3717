/** What package.json says about this plugin, as far as a bug report needs it. */
export interface PluginPackage {
  name: string;
  version: string;
  bugs?: string | { url?: string };
}

/** Where this plugin's issues go: package.json's `bugs`, never the host CLI's tracker. */
export function issueTracker(pkg: PluginPackage): string | undefined {
  return typeof pkg.bugs === 'string' ? pkg.bugs : pkg.bugs?.url;
}

function reportAt(pkg: PluginPackage): string {
  const tracker = issueTracker(pkg);
  return tracker ? ` at ${tracker}` : '';
}

/** The one line for an error that no part of the plugin expected: a bug, with what to run and where to report it. */
export function unexpectedErrorLine(pkg: PluginPackage, commandId: string | undefined): string {
  return (
    `twilio ${commandId} stopped on an unexpected error (a bug in ${pkg.name} ${pkg.version}): ` +
    `run it again with "-l debug" to see the details, and report them${reportAt(pkg)}.`
  );
}

/** The one line for a command whose work was left pending with nothing left to wait on (a bug). */
export function unsettledLine(pkg: PluginPackage, commandId: string | undefined): string {
  return (
    `twilio ${commandId} stopped before it finished; this is a bug in ${pkg.name} ${pkg.version}: ` +
    `please report it${reportAt(pkg)}.`
  );
}
