import sharp from "sharp";
import { AppError } from "../../shared/errors.ts";

export type ImageType = "image/jpeg" | "image/png";

/** A decoded image bigger than this is refused before it is decoded (a few hundred bytes can claim 50k × 50k). */
export const MAX_PIXELS = 40_000_000;

export interface Image {
  contentType: ImageType;
  body: Buffer;
  width: number;
  height: number;
}

const EXTENSIONS: Record<ImageType, string[]> = {
  "image/jpeg": [".jpg", ".jpeg"],
  "image/png": [".png"],
};

/** The type the bytes say, by magic number; the name and the declared type are not asked. */
export function sniff(data: Buffer): ImageType | undefined {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return "image/jpeg";
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return "image/png";
  return undefined;
}

export function extensionFor(type: ImageType): string {
  return EXTENSIONS[type][0] ?? "";
}

/**
 * Checks an uploaded file and re-encodes it: only what the decoder understood is kept, so metadata (EXIF, GPS)
 * and anything riding along (a polyglot's HTML) are gone. The orientation EXIF asked for is applied first.
 */
export async function reencode(name: string, data: Buffer): Promise<Image> {
  const contentType = sniff(data);
  if (!contentType) {
    throw new AppError(415, "UNSUPPORTED_FILE_TYPE", `${name}: only JPEG and PNG images are accepted`);
  }
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? name.slice(dot).toLowerCase() : "";
  if (extension && !EXTENSIONS[contentType].includes(extension)) {
    throw new AppError(
      415,
      "UNSUPPORTED_FILE_TYPE",
      `${name}: the file is ${contentType === "image/png" ? "a PNG" : "a JPEG"} but named ${extension}`,
    );
  }
  // The header alone: its dimensions are checked here, before anything is decoded.
  const metadata = await sharp(data, { limitInputPixels: false })
    .metadata()
    .catch(() => {
      throw invalid(name);
    });
  const { width = 0, height = 0 } = metadata;
  if (width * height > MAX_PIXELS) {
    throw new AppError(400, "IMAGE_TOO_LARGE", `${name}: ${width} × ${height} is over ${MAX_PIXELS} pixels`);
  }
  const pipeline = sharp(data, { limitInputPixels: MAX_PIXELS, failOn: "error" }).rotate();
  const encoded = contentType === "image/png" ? pipeline.png() : pipeline.jpeg({ quality: 90 });
  try {
    const { data: body, info } = await encoded.toBuffer({ resolveWithObject: true });
    return { contentType, body, width: info.width, height: info.height };
  } catch {
    throw invalid(name);
  }
}

const invalid = (name: string) => new AppError(400, "INVALID_IMAGE", `${name}: the image cannot be decoded`);
