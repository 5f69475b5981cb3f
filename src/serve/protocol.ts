// Messages between the server's main thread and its inference workers.

export interface InferRequest {
  type: 'infer';
  id: number;
  /** Instances in the batch. */
  n: number;
  /** Preprocessed model input, row-major [n, ...input.shape]. */
  data: Float32Array;
}

export type WorkerRequest = InferRequest;

export type WorkerReply =
  | { type: 'ready'; loadSeconds: number; backend: string }
  | { type: 'load-error'; message: string }
  | { type: 'result'; id: number; shape: number[]; output: Float32Array; probabilities: Float32Array | null; seconds: number }
  | { type: 'error'; id: number; message: string };
