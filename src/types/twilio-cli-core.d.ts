// @twilio/cli-core ships plain JavaScript; these are the parts this plugin uses.
declare module '@twilio/cli-core' {
  import { Command, Interfaces } from '@oclif/core';

  interface Logger {
    debug(message: unknown): void;
    info(message: unknown): void;
    warn(message: unknown): void;
    error(message: unknown): void;
    /** What the four above call, with their level. */
    log(message: unknown, level?: number): void;
    config: { level: number };
  }

  interface Profile {
    id: string;
    accountSid: string;
    apiKey: string;
    apiSecret: string;
    region?: string;
    edge?: string;
  }

  interface UserConfig {
    edge?: string;
  }

  class BaseCommand extends Command {
    static flags: Interfaces.FlagInput<any>;
    flags: Record<string, any>;
    args: Record<string, any>;
    logger: Logger;
    userConfig: UserConfig;
    readonly inquirer: any;
    run(): Promise<void>;
    catch(error: unknown): Promise<any>;
    output(data: unknown, properties?: string, options?: { showHeaders?: boolean }): void;
  }

  class TwilioClientCommand extends BaseCommand {
    static accountSidFlag: Interfaces.FlagInput<any>;
    static limitFlags: Interfaces.FlagInput<any>;
    static noHeader: Interfaces.FlagInput<any>;
    currentProfile: Profile;
    readonly twilioClient: any;
  }

  class TwilioCliError extends Error {
    constructor(message: string, exitCode?: number, data?: unknown);
    exitCode?: number;
    data?: unknown;
  }

  export const baseCommands: {
    BaseCommand: typeof BaseCommand;
    TwilioClientCommand: typeof TwilioClientCommand;
  };

  export const services: {
    error: { TwilioCliError: typeof TwilioCliError };
    outputFormats: {
      OutputFormats: Record<string, ((full: unknown[], limited: unknown[], options?: unknown) => string) | undefined>;
    };
  };
}
