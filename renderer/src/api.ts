/**
 * The window's only way out: typed calls over `window.tillvault` (Electron's preload, or the
 * test host's shim). Errors arrive as codes; `ApiError` carries one for the screens to translate.
 */
import type {
  Channel,
  EventName,
  EventPayload,
  IpcError,
  Request,
  Response,
  TillvaultBridge,
} from '../../main/ipc/contract.js';

declare global {
  interface Window {
    tillvault: TillvaultBridge;
  }
}

export class ApiError extends Error {
  readonly code: IpcError['code'];
  constructor(error: IpcError) {
    super(error.message);
    this.code = error.code;
  }
}

/** Asks the owner for the PIN; true once main says the window is unlocked. */
type PinAsker = () => Promise<boolean>;
let askForPin: PinAsker | null = null;

/** The one PIN dialog of the window registers here (components/OwnerPin.tsx). */
export function answerOwnerLocked(asker: PinAsker): () => void {
  askForPin = asker;
  return () => {
    if (askForPin === asker) askForPin = null;
  };
}

export async function call<C extends Channel>(
  channel: C,
  request: Request<C>,
): Promise<Response<C>> {
  let envelope = await window.tillvault.invoke(channel, request);
  // Main refused an owner's action while locked: ask for the PIN, then once more.
  if (!envelope.ok && envelope.error.code === 'OWNER_LOCKED' && askForPin && (await askForPin())) {
    envelope = await window.tillvault.invoke(channel, request);
  }
  if (!envelope.ok) throw new ApiError(envelope.error);
  // Main checked the response against the contract before sending it.
  return envelope.value as Response<C>;
}

export function subscribe<E extends EventName>(
  event: E,
  listener: (payload: EventPayload<E>) => void,
): () => void {
  return window.tillvault.on(event, (payload) => listener(payload as EventPayload<E>));
}
