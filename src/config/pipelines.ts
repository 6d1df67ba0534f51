import { DEFAULT_PIPELINE } from '../vocabulary';
import type { Config } from './schema';

/** What makes one path: where its spans and log records go, where each signal is read back, its schedule. */
export interface PipelineConfig {
  readonly name: string;
  readonly traces: Pick<Config['traces'], 'exporter' | 'file' | 'otlp' | 'batch'>;
  readonly log: { readonly otlp: Config['log']['otlp'] };
  readonly verify: Config['verify'];
  readonly schedule: Config['schedule'];
  readonly retention: Config['retention'];
}

/** Every pipeline the config declares; the top-level settings are the one named `default`. */
export function pipelinesOf(config: Config): readonly PipelineConfig[] {
  return [
    {
      name: DEFAULT_PIPELINE,
      traces: config.traces,
      log: config.log,
      verify: config.verify,
      schedule: config.schedule,
      retention: config.retention,
    },
  ];
}
