// Selfies for Vlens's liveness re-validation (docs/vlens-api.md, StepReValidateLiveness): an image and three
// face frames "captured within 0.5 s of each other, same person, not identical copies", each under the
// size limit the gateway gives (PageConfig.liveness). Frames come from the front camera (getUserMedia) and
// are compressed on the device: scaled down, then JPEG quality lowered until each fits.
const MAX_SIDE = 720;
const FRAME_GAP_MS = 60;

export async function openFrontCamera(): Promise<MediaStream | undefined> {
  if (!navigator.mediaDevices?.getUserMedia) return undefined;
  try {
    return await navigator.mediaDevices.getUserMedia({
      video: { facingMode: 'user', width: { ideal: 720 }, height: { ideal: 720 } },
      audio: false,
    });
  } catch {
    return undefined; // denied, no camera, or in use: the file input takes over
  }
}

export function stopCamera(stream: MediaStream | undefined): void {
  stream?.getTracks().forEach((track) => track.stop());
}

interface FrameGrabber {
  grabFrame(): Promise<ImageBitmap>;
}
declare const ImageCapture: { new (track: MediaStreamTrack): FrameGrabber } | undefined;

/**
 * `count` frames, FRAME_GAP_MS apart (all within Vlens's 0.5 s for four). From the camera track itself
 * where the browser can (ImageCapture: each grab is a new camera frame even when the preview is not
 * being painted), else from the preview video.
 */
export async function captureFrames(
  video: HTMLVideoElement,
  stream: MediaStream,
  count: number,
  maxBytes: number,
): Promise<Blob[]> {
  const track = stream.getVideoTracks()[0];
  const grabber = track && typeof ImageCapture === 'function' ? new ImageCapture(track) : undefined;
  const frames: HTMLCanvasElement[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) await nextFrame(video, FRAME_GAP_MS);
    const bitmap = grabber ? await grabber.grabFrame().catch(() => undefined) : undefined;
    if (bitmap) {
      frames.push(drawScaled(bitmap, bitmap.width, bitmap.height));
      bitmap.close();
    } else frames.push(drawScaled(video, video.videoWidth, video.videoHeight));
  }
  return Promise.all(frames.map((canvas) => compress(canvas, maxBytes)));
}

/** After `gapMs`, the next frame the video presents (so no two captures are the same frame). */
async function nextFrame(video: HTMLVideoElement, gapMs: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, gapMs));
  if (!('requestVideoFrameCallback' in video)) return;
  await new Promise<void>((resolve) => {
    const fallback = setTimeout(resolve, 100);
    video.requestVideoFrameCallback(() => {
      clearTimeout(fallback);
      resolve();
    });
  });
}

/** A photo from the file input, decoded, scaled and compressed the same way. */
export async function compressFile(file: File, maxBytes: number): Promise<Blob> {
  const bitmap = await createImageBitmap(file);
  try {
    return await compress(drawScaled(bitmap, bitmap.width, bitmap.height), maxBytes);
  } finally {
    bitmap.close();
  }
}

function drawScaled(source: CanvasImageSource, width: number, height: number): HTMLCanvasElement {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height, 1));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  canvas.getContext('2d')?.drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas;
}

export class TooLarge extends Error {}

async function compress(canvas: HTMLCanvasElement, maxBytes: number): Promise<Blob> {
  let current = canvas;
  for (let round = 0; round < 4; round++) {
    for (const quality of [0.85, 0.7, 0.55, 0.4]) {
      const blob = await new Promise<Blob | null>((resolve) => current.toBlob(resolve, 'image/jpeg', quality));
      if (blob && blob.size <= maxBytes) return blob;
    }
    current = halve(current);
  }
  throw new TooLarge('image cannot be made small enough');
}

function halve(canvas: HTMLCanvasElement): HTMLCanvasElement {
  const smaller = document.createElement('canvas');
  smaller.width = Math.max(1, Math.round(canvas.width / 2));
  smaller.height = Math.max(1, Math.round(canvas.height / 2));
  smaller.getContext('2d')?.drawImage(canvas, 0, 0, smaller.width, smaller.height);
  return smaller;
}

/** Plain base64 (no data: prefix), as the gateway's liveness route takes it. */
export async function base64Of(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
