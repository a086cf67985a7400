/**
 * What the app core needs from the desktop around it. Electron's main process provides the
 * real thing (native dialogs, notifications, power-save blocker, login items); the test host
 * provides a scripted one. Nothing here imports Electron.
 */
import type { EventName, EventPayload } from '../ipc/contract.js';

export interface Platform {
  /** A native "open file" dialog for a database; null when cancelled. */
  pickDatabase(): Promise<string | null>;
  /** A native folder picker (with "new folder"); null when cancelled. */
  pickFolder(): Promise<string | null>;
  /** A native "save as" dialog for a new database file; null when cancelled. */
  pickSaveFile(suggestedName: string): Promise<string | null>;
  /** The window as it shows now, printed to an A4 PDF; absent where there is no window. */
  printToPdf?(): Promise<Buffer>;
  /** Opens the file manager with this file selected. */
  showInFolder(file: string): void;
  /** Keeps the computer awake until the returned function is called. */
  keepAwake(): () => void;
  /** A desktop notification, already translated (see notifier.ts). */
  notify(text: { title: string; body: string }): void;
  setStartAtLogin(on: boolean): void;
  /** The OS's preferred languages, most preferred first (BCP 47). */
  preferredLanguages(): string[];
  /** Where Tillvault keeps its own files (the demo shop). */
  readonly dataDir: string;
  /** A folder the owner would look in for documents, for suggested backup places. */
  readonly documentsDir: string;
}

export interface AppEvents {
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
}

/** A desktop with nobody at it (the CLI, tests): dialogs answer "cancel", notifications go nowhere. */
export function headlessPlatform(
  dataDir: string,
  documentsDir: string,
  languages: string[] = ['en'],
): Platform {
  return {
    pickDatabase: async () => null,
    pickFolder: async () => null,
    pickSaveFile: async () => null,
    showInFolder: () => undefined,
    keepAwake: () => () => undefined,
    notify: () => undefined,
    setStartAtLogin: () => undefined,
    preferredLanguages: () => languages,
    dataDir,
    documentsDir,
  };
}
