/**
 * The bridge, and nothing else: exposes `window.tillvault` with an `invoke` limited to the
 * contract's channels and an `on` limited to its events. Validation happens in main.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  isChannel,
  isEventName,
  type Envelope,
  type TillvaultBridge,
} from '../main/ipc/contract.js';

const bridge: TillvaultBridge = {
  invoke: (channel, request) =>
    isChannel(channel)
      ? (ipcRenderer.invoke(channel, request) as Promise<Envelope<unknown>>)
      : Promise.resolve({
          ok: false,
          error: { code: 'INVALID_REQUEST', message: 'Unknown request.' },
        }),
  on: (event, listener) => {
    if (!isEventName(event)) return () => undefined;
    const wrapped = (_e: IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(event, wrapped);
    return () => ipcRenderer.removeListener(event, wrapped);
  },
};

contextBridge.exposeInMainWorld('tillvault', bridge);
