#!/usr/bin/env node
// Starts the Firebase Storage emulator's Cloud Storage (GCS) JSON API from firebase-tools' own
// classes, without Java and without downloading anything.
//
//   node storage-emulator.mjs [--port PORT] [--host HOST] [--project ID] [--exit-with-stdin]
//
// PORT may also come from the first positional argument or STORAGE_EMULATOR_PORT (default 9199;
// 0 picks a free port). When the server listens it prints exactly one line
//   storage emulator ready on HOST:PORT
// on stdout. SIGTERM / SIGINT stop it cleanly (exit code 0). With --exit-with-stdin it also stops
// when its stdin closes, so a test process that dies cannot leave it behind.
//
// What is taken from firebase-tools (lib/emulator/storage/):
//   - StorageEmulator (index.js): owns the in-memory object table, the Persistence blob folder,
//     the UploadService and the admin StorageLayer used by the GCS JSON API.
//   - createApp (server.js): the express app with the GCS JSON routes (apis/gcloud.js) plus the
//     /internal/* routes (reset, export).
//   - EmulatorRegistry: the GCS routes build selfLink/mediaLink from it, so the instance is
//     registered there (nothing is started through it).
// What is replaced:
//   - the rules runtime (a Java process fed by a downloaded jar) and the rules manager become
//     no-ops: the GCS JSON API only uses the admin StorageLayer, which never consults rules;
//   - the blob folder is a private temporary folder removed on exit (upstream shares
//     $TMPDIR/firebase/storage/blobs between all instances and deletes it on stop).
// What is added in front of the upstream routes (all missing from the stock emulator):
//   - resumable uploads in several chunks (upstream keeps only the first chunk and finalizes);
//   - generation preconditions (ifGenerationMatch & co. on uploads, copy/rewrite, delete, get;
//     x-goog-if-generation-match on XML-style PUT) answered with HTTP 412;
//   - `generation=N` on reads of a different live generation answers 404, as GCS does without
//     object versioning;
//   - unique generations (upstream uses Date.now(), so two writes in one millisecond collide);
//   - path-style XML API PUT /BUCKET/OBJECT (what a V4 signed upload URL does); signatures are
//     not verified, but X-Goog-Date + X-Goog-Expires are (an expired URL answers 400);
//   - GET /internal/pocketcode: a JSON list of these extras, so clients can tell this launcher
//     from a stock emulator.

import { createRequire } from "node:module";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import process from "node:process";

const require = createRequire(import.meta.url);
const storageDir = path.join(path.dirname(require.resolve("firebase-tools/package.json")), "lib", "emulator", "storage");
const fromStorage = (rel) => require(path.join(storageDir, rel));

const { StorageEmulator } = fromStorage("index.js");
const { createApp } = fromStorage("server.js");
const metadataModule = fromStorage("metadata.js");
const { UploadStatus } = fromStorage("upload.js");
const { NotFoundError } = fromStorage("errors.js");
const { parseObjectUploadMultipartRequest } = fromStorage("multipart.js");
const { EmulatorRegistry } = fromStorage(path.join("..", "registry.js"));
const express = require("express");

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------
function parseArgs(argv) {
  const result = { host: undefined, port: undefined, project: undefined, exitWithStdin: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) {
        fail(`missing value after ${arg}`);
      }
      return argv[++i];
    };
    if (arg === "--port" || arg === "-p") result.port = value();
    else if (arg.startsWith("--port=")) result.port = arg.slice(7);
    else if (arg === "--host") result.host = value();
    else if (arg.startsWith("--host=")) result.host = arg.slice(7);
    else if (arg === "--project") result.project = value();
    else if (arg.startsWith("--project=")) result.project = arg.slice(10);
    else if (arg === "--exit-with-stdin") result.exitWithStdin = true;
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write("usage: node storage-emulator.mjs [--port PORT|PORT] [--host HOST] [--project ID] [--exit-with-stdin]\n");
      process.exit(0);
    } else if (/^\d+$/.test(arg) && result.port === undefined) result.port = arg;
    else fail(`unknown argument ${arg}`);
  }
  return result;
}

function fail(message) {
  process.stderr.write(`storage-emulator: ${message}\n`);
  process.exit(2);
}

const args = parseArgs(process.argv.slice(2));
const host = args.host ?? process.env.STORAGE_EMULATOR_BIND_HOST ?? "127.0.0.1";
const portText = args.port ?? process.env.STORAGE_EMULATOR_PORT ?? "9199";
const requestedPort = Number(portText);
if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
  fail(`invalid port ${portText}`);
}
const projectId = args.project ?? process.env.GCLOUD_PROJECT ?? "demo-pocketcode";

// ---------------------------------------------------------------------------------------------
// Unique, increasing generations (microseconds like GCS, never repeated in this process).
// ---------------------------------------------------------------------------------------------
let lastGeneration = 0;
function nextGeneration() {
  lastGeneration = Math.max(Date.now() * 1000, lastGeneration + 1);
  return lastGeneration;
}
function etagFor(generation, metageneration) {
  // Same derivation as upstream's (unexported) generateETag.
  return crypto.createHash("sha1").update(`${generation}/${metageneration}`).digest("base64").slice(0, -1);
}
const UpstreamStoredFileMetadata = metadataModule.StoredFileMetadata;
class UniqueGenerationMetadata extends UpstreamStoredFileMetadata {
  constructor(opts, cloudFunctions, bytes) {
    super(opts, cloudFunctions, bytes);
    if (!opts.generation) {
      this.generation = nextGeneration();
      if (!opts.etag) {
        this.etag = etagFor(this.generation, this.metageneration);
      }
    }
  }
}
// files.js reads `metadata_1.StoredFileMetadata` at call time, so replacing the export is enough.
metadataModule.StoredFileMetadata = UniqueGenerationMetadata;

// ---------------------------------------------------------------------------------------------
// The emulator with the rules engine replaced by a no-op.
// ---------------------------------------------------------------------------------------------
const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), "pocketcode-storage-emulator-"));
let boundPort = requestedPort;

const noopRulesRuntime = {
  alive: false,
  start: async () => {},
  stop: async () => {},
};
const noopRulesManager = {
  start: async () => ({ errors: [], warnings: [] }),
  stop: async () => {},
  // No ruleset: the Firebase (/v0) endpoints therefore deny everything but owner credentials.
  getRuleset: () => undefined,
};

class StandaloneStorageEmulator extends StorageEmulator {
  createRulesManager() {
    return noopRulesManager;
  }

  getPersistenceTmpDir() {
    return path.join(tempRoot, "blobs");
  }

  getInfo() {
    return { name: this.getName(), host, port: boundPort };
  }
}

const emulator = new StandaloneStorageEmulator({ projectId, host, port: requestedPort, auto_download: false });
emulator._rulesRuntime = noopRulesRuntime;
EmulatorRegistry.set(emulator.getName(), emulator);

const storage = emulator.adminStorageLayer;
const uploads = emulator.uploadService;
const persistence = emulator._persistence;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------
function sendError(res, code, message, reason) {
  res.status(code).json({ error: { code, message, errors: [{ message, domain: "global", reason }] } });
}

function sendPreconditionFailed(res) {
  sendError(res, 412, "At least one of the pre-conditions you specified did not hold.", "conditionNotMet");
}

function decodeSegment(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function numberParam(value) {
  if (value === undefined || value === null || value === "") return undefined;
  const text = Array.isArray(value) ? value[0] : String(value);
  return /^-?\d+$/.test(text) ? Number(text) : NaN;
}

/**
 * Evaluates GCS generation preconditions against the live object (undefined when absent).
 * `conditions` holds any of ifGenerationMatch, ifGenerationNotMatch, ifMetagenerationMatch,
 * ifMetagenerationNotMatch. Returns true when they all hold.
 */
function preconditionsHold(current, conditions) {
  const generation = current ? Number(current.generation) : 0;
  const { ifGenerationMatch, ifGenerationNotMatch, ifMetagenerationMatch, ifMetagenerationNotMatch } = conditions;
  if (ifGenerationMatch !== undefined && ifGenerationMatch !== generation) return false;
  if (ifGenerationNotMatch !== undefined && ifGenerationNotMatch === generation) return false;
  if (ifMetagenerationMatch !== undefined && (!current || ifMetagenerationMatch !== Number(current.metageneration))) return false;
  if (ifMetagenerationNotMatch !== undefined && current && ifMetagenerationNotMatch === Number(current.metageneration)) return false;
  return true;
}

function conditionsFromQuery(query, prefix = "if") {
  const read = (name) => numberParam(query[`${prefix}${name}`]);
  const conditions = {
    ifGenerationMatch: read("GenerationMatch"),
    ifGenerationNotMatch: read("GenerationNotMatch"),
    ifMetagenerationMatch: read("MetagenerationMatch"),
    ifMetagenerationNotMatch: read("MetagenerationNotMatch"),
  };
  const invalid = Object.values(conditions).some((v) => Number.isNaN(v));
  const any = Object.values(conditions).some((v) => v !== undefined);
  return { conditions, invalid, any };
}

function conditionsFromXmlHeaders(req) {
  const header = (name) => numberParam(req.header(name));
  const conditions = {
    ifGenerationMatch: header("x-goog-if-generation-match"),
    ifGenerationNotMatch: header("x-goog-if-generation-not-match"),
    ifMetagenerationMatch: header("x-goog-if-metageneration-match"),
    ifMetagenerationNotMatch: header("x-goog-if-metageneration-not-match"),
  };
  const invalid = Object.values(conditions).some((v) => Number.isNaN(v));
  const any = Object.values(conditions).some((v) => v !== undefined);
  return { conditions, invalid, any };
}

function currentMetadata(bucket, object) {
  return storage.getMetadata(bucket, object);
}

function objectResource(metadata) {
  return new metadataModule.CloudStorageObjectMetadata(metadata);
}

/** Parses `bytes A-B/T`, `bytes A-B/*`, `bytes * /T` (no space), `bytes * /*`. */
function parseContentRange(header) {
  if (!header) return { start: 0, end: undefined, total: undefined, present: false };
  const match = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(header.trim());
  if (!match) return undefined;
  return {
    present: true,
    start: match[1] !== undefined ? Number(match[1]) : undefined,
    end: match[2] !== undefined ? Number(match[2]) : undefined,
    total: match[3] === "*" ? undefined : Number(match[3]),
  };
}

function rangeHeaderFor(size) {
  return size > 0 ? `bytes=0-${size - 1}` : undefined;
}

async function commitUpload(upload, res, respond) {
  const conditions = upload.pocketcodeConditions;
  if (conditions && !preconditionsHold(currentMetadata(upload.bucketId, upload.objectId), conditions)) {
    upload.status = UploadStatus.CANCELLED;
    persistence.deleteFile(upload.path, true);
    sendPreconditionFailed(res);
    return;
  }
  uploads.finalizeResumableUpload(upload.id);
  // Between the check above and the commit inside uploadObject only already-resolved promises
  // run (the admin rules validator resolves immediately), so the check-and-write is atomic with
  // respect to other requests on this single-threaded server.
  const metadata = await storage.uploadObject(upload);
  respond(metadata);
}

// ---------------------------------------------------------------------------------------------
// Routes added in front of the upstream app
// ---------------------------------------------------------------------------------------------
const front = express.Router();

front.get("/internal/pocketcode", (req, res) => {
  res.json({
    launcher: "pocketcode storage-emulator",
    features: [
      "multiChunkResumableUpload",
      "generationPreconditions",
      "uniqueGenerations",
      "generationPinnedReads",
      "xmlPathStylePut",
      "signedUrlExpiry",
    ],
  });
});

// Resumable upload: initiation (uploadType=resumable without upload_id).
front.post("/upload/storage/v1/b/:bucketId/o", (req, res, next) => {
  const uploadType = req.query.uploadType || req.header("x-goog-upload-protocol");
  if (uploadType !== "resumable" || req.query.upload_id) {
    return next();
  }
  express.json({ limit: "10mb", type: () => true })(req, res, (err) => {
    if (err) return next(err);
    const body = req.body && typeof req.body === "object" && !Buffer.isBuffer(req.body) ? req.body : {};
    const rawName = req.query.name?.toString() || body.name;
    const name = rawName?.startsWith("/") ? rawName.slice(1) : rawName;
    if (!name) {
      return sendError(res, 400, "Required object name is missing.", "required");
    }
    const { conditions, invalid, any } = conditionsFromQuery(req.query);
    if (invalid) {
      return sendError(res, 400, "Invalid precondition value.", "invalid");
    }
    const bucketId = req.params.bucketId;
    storage.createBucket(bucketId);
    if (any && !preconditionsHold(currentMetadata(bucketId, name), conditions)) {
      return sendPreconditionFailed(res);
    }
    const contentType = req.header("x-upload-content-type");
    const upload = uploads.startResumableUpload({
      bucketId,
      objectId: name,
      metadata: { contentType, ...body },
      authorization: req.header("authorization"),
    });
    upload.pocketcodeConditions = any ? conditions : undefined;
    const declared = numberParam(req.header("x-upload-content-length"));
    upload.pocketcodeDeclaredSize = Number.isNaN(declared) ? undefined : declared;
    const location = new URL(`http://${req.headers.host ?? `${host}:${boundPort}`}/`);
    location.pathname = `/upload/storage/v1/b/${bucketId}/o`;
    location.searchParams.set("name", name);
    location.searchParams.set("uploadType", "resumable");
    location.searchParams.set("upload_id", upload.id);
    res.header("location", location.toString());
    res.header("x-guploader-uploadid", upload.id);
    res.sendStatus(200);
  });
});

// Resumable upload: chunks, status queries and the final chunk.
front.put("/upload/storage/v1/b/:bucketId/o", async (req, res, next) => {
  const uploadId = req.query.upload_id?.toString();
  if (!uploadId) {
    return next();
  }
  let upload;
  try {
    upload = uploads.getResumableUpload(uploadId);
  } catch (err) {
    if (err instanceof NotFoundError) {
      req.resume();
      return sendError(res, 404, "No such upload session.", "notFound");
    }
    throw err;
  }
  const range = parseContentRange(req.header("content-range"));
  if (range === undefined) {
    req.resume();
    return sendError(res, 400, "Invalid Content-Range header.", "invalid");
  }
  if (upload.status === UploadStatus.FINISHED) {
    req.resume();
    const done = currentMetadata(upload.bucketId, upload.objectId);
    return done ? res.status(200).json(objectResource(done)) : sendError(res, 410, "Upload already finished.", "gone");
  }
  if (upload.status !== UploadStatus.ACTIVE) {
    req.resume();
    return sendError(res, 410, "The upload session was cancelled or failed.", "gone");
  }

  // Without Content-Range the body is the whole object (single request).
  const total = range.present ? range.total : undefined;
  const isWholeObject = !range.present;
  let skip = 0;
  if (range.present && range.start !== undefined) {
    if (range.start > upload.size) {
      req.resume();
      return sendError(res, 400, `Chunk starts at ${range.start} but only ${upload.size} bytes were received.`, "invalid");
    }
    skip = upload.size - range.start;
  }
  try {
    for await (const chunk of req) {
      let data = chunk;
      if (skip > 0) {
        const drop = Math.min(skip, data.length);
        skip -= drop;
        data = data.subarray(drop);
      }
      if (data.length > 0) {
        uploads.continueResumableUpload(uploadId, data);
      }
    }
  } catch (err) {
    return next(err);
  }

  const expected = total ?? (isWholeObject ? upload.size : undefined);
  if (expected !== undefined && upload.size > expected) {
    upload.status = UploadStatus.CANCELLED;
    persistence.deleteFile(upload.path, true);
    return sendError(res, 400, `Received ${upload.size} bytes, more than the declared ${expected}.`, "invalid");
  }
  if (expected === undefined || upload.size < expected) {
    const header = rangeHeaderFor(upload.size);
    if (header) res.header("range", header);
    res.header("x-guploader-uploadid", upload.id);
    return res.status(308).end();
  }
  try {
    await commitUpload(upload, res, (metadata) => res.status(200).json(objectResource(metadata)));
  } catch (err) {
    next(err);
  }
});

// Cancelling a resumable upload.
front.delete("/upload/storage/v1/b/:bucketId/o", (req, res, next) => {
  const uploadId = req.query.upload_id?.toString();
  if (!uploadId) return next();
  try {
    const upload = uploads.cancelResumableUpload(uploadId);
    persistence.deleteFile(upload.path, true);
    return res.status(499).end();
  } catch (err) {
    if (err instanceof NotFoundError) return sendError(res, 404, "No such upload session.", "notFound");
    return sendError(res, 400, "The upload session cannot be cancelled.", "invalid");
  }
});

// Preconditions on media and multipart uploads (the upstream handlers then do the work).
front.post("/upload/storage/v1/b/:bucketId/o", (req, res, next) => {
  const { conditions, invalid, any } = conditionsFromQuery(req.query);
  if (!any) return next();
  if (invalid) return sendError(res, 400, "Invalid precondition value.", "invalid");
  const bucketId = req.params.bucketId;
  const uploadType = req.query.uploadType || req.header("x-goog-upload-protocol");
  express.raw({ type: () => true, limit: "130mb" })(req, res, (err) => {
    if (err) return next(err);
    let name = req.query.name?.toString();
    if (uploadType === "multipart") {
      try {
        const contentType = req.header("content-type") ?? "";
        const { metadataRaw } = parseObjectUploadMultipartRequest(contentType, req.body);
        name = req.query.name?.toString() || JSON.parse(metadataRaw).name;
      } catch {
        return next(); // let the upstream handler report the malformed body
      }
    }
    if (name?.startsWith("/")) name = name.slice(1);
    if (name && !preconditionsHold(currentMetadata(bucketId, name), conditions)) {
      return sendPreconditionFailed(res);
    }
    next();
  });
});

// Copy / rewrite: preconditions on the destination (if*) and on the source (ifSource*).
front.post(/^\/(?:storage\/v1\/)?b\/([^/]+)\/o\/([^/]+)\/(copyTo|rewriteTo)\/b\/([^/]+)\/o\/([^/]+)$/, (req, res, next) => {
  const [sourceBucket, sourceObject, , destBucket, destObject] = [1, 2, 3, 4, 5].map((i) => decodeSegment(req.params[i - 1]));
  if ([sourceBucket, sourceObject, destBucket, destObject].includes(undefined)) return next();
  const dest = conditionsFromQuery(req.query);
  const source = conditionsFromQuery(req.query, "ifSource");
  const sourceGeneration = numberParam(req.query.sourceGeneration);
  if (dest.invalid || source.invalid || Number.isNaN(sourceGeneration)) {
    return sendError(res, 400, "Invalid precondition value.", "invalid");
  }
  const sourceMetadata = currentMetadata(sourceBucket, sourceObject);
  if (!sourceMetadata || (sourceGeneration !== undefined && Number(sourceMetadata.generation) !== sourceGeneration)) {
    return sendError(res, 404, `No such object: ${sourceBucket}/${sourceObject}`, "notFound");
  }
  if (source.any && !preconditionsHold(sourceMetadata, source.conditions)) return sendPreconditionFailed(res);
  if (dest.any && !preconditionsHold(currentMetadata(destBucket, destObject), dest.conditions)) return sendPreconditionFailed(res);
  storage.createBucket(destBucket);
  next();
});

// Get (metadata or media) and delete: `generation=N` pinning and preconditions.
front.all(/^\/(?:storage\/v1\/|download\/storage\/v1\/)?b\/([^/]+)\/o\/([^/]+)$/, (req, res, next) => {
  if (req.method !== "GET" && req.method !== "HEAD" && req.method !== "DELETE") return next();
  const bucket = decodeSegment(req.params[0]);
  const object = decodeSegment(req.params[1]);
  if (bucket === undefined || object === undefined) return next();
  const { conditions, invalid, any } = conditionsFromQuery(req.query);
  const generation = numberParam(req.query.generation);
  if (invalid || Number.isNaN(generation)) return sendError(res, 400, "Invalid generation value.", "invalid");
  const current = currentMetadata(bucket, object);
  if (!current) return next(); // upstream answers 404
  if (generation !== undefined && Number(current.generation) !== generation) {
    if (req.method === "GET" && req.query.alt === "media") {
      return res.status(404).send(`No such object: ${bucket}/${object}`);
    }
    return sendError(res, 404, `No such object: ${bucket}/${object}`, "notFound");
  }
  if (any && !preconditionsHold(current, conditions)) return sendPreconditionFailed(res);
  next();
});

// XML-style path URLs (signed URLs): expiry check for every method, and PUT uploads.
function signedUrlExpired(query) {
  const date = query["X-Goog-Date"]?.toString();
  const expires = numberParam(query["X-Goog-Expires"]);
  if (!date || expires === undefined || Number.isNaN(expires)) return false;
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (!match) return true;
  const signedAt = Date.UTC(+match[1], +match[2] - 1, +match[3], +match[4], +match[5], +match[6]);
  return Date.now() > signedAt + expires * 1000;
}

function sendXmlError(res, status, code, message) {
  res.status(status).type("application/xml").send(`<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

const reservedFirstSegments = new Set(["b", "upload", "download", "storage", "internal", "v0", "batch"]);

front.all(/^\/([^/]+)\/(.+)$/, async (req, res, next) => {
  const bucket = decodeSegment(req.params[0]);
  if (bucket === undefined || reservedFirstSegments.has(bucket)) return next();
  if (signedUrlExpired(req.query)) {
    req.resume();
    return sendXmlError(res, 400, "ExpiredToken", "Invalid argument.");
  }
  if (req.method !== "PUT") return next();
  const object = req.params[1].split("/").map(decodeSegment);
  if (object.includes(undefined)) return sendXmlError(res, 400, "InvalidArgument", "Invalid object name.");
  const name = object.join("/");
  const { conditions, invalid, any } = conditionsFromXmlHeaders(req);
  if (invalid) {
    req.resume();
    return sendXmlError(res, 400, "InvalidArgument", "Invalid precondition header.");
  }
  storage.createBucket(bucket);
  if (any && !preconditionsHold(currentMetadata(bucket, name), conditions)) {
    req.resume();
    return sendXmlError(res, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.");
  }
  const customMetadata = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (key.startsWith("x-goog-meta-")) customMetadata[key.slice("x-goog-meta-".length)] = String(value);
  }
  const upload = uploads.startResumableUpload({
    bucketId: bucket,
    objectId: name,
    metadata: {
      contentType: req.header("content-type") || undefined,
      cacheControl: req.header("cache-control") || undefined,
      contentDisposition: req.header("content-disposition") || undefined,
      contentLanguage: req.header("content-language") || undefined,
      metadata: Object.keys(customMetadata).length > 0 ? customMetadata : undefined,
    },
    authorization: req.header("authorization"),
  });
  upload.pocketcodeConditions = any ? conditions : undefined;
  try {
    for await (const chunk of req) {
      uploads.continueResumableUpload(upload.id, chunk);
    }
    await commitUpload(upload, res, (metadata) => {
      res.header("etag", `"${metadata.md5Hash ? Buffer.from(metadata.md5Hash, "base64").toString("hex") : metadata.etag}"`);
      res.header("x-goog-generation", String(metadata.generation));
      res.header("x-goog-metageneration", String(metadata.metageneration));
      res.header("x-goog-hash", `md5=${metadata.md5Hash}`);
      res.status(200).end();
    });
  } catch (err) {
    next(err);
  }
});

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------
const upstream = await createApp(projectId, emulator);
// Express would add an ETag of each JSON body; clients (Google.Apis) prefer that header over the
// resource's own etag field, so object etags would become hashes of the response text.
upstream.set("etag", false);
const app = express();
app.set("etag", false);
app.disable("x-powered-by");
app.use(front);
app.use(upstream);
app.use((err, req, res, next) => {
  process.stderr.write(`storage-emulator: ${req.method} ${req.originalUrl} failed: ${err?.stack ?? err}\n`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendError(res, 500, String(err?.message ?? err), "backendError");
});

const server = http.createServer(app);
server.keepAliveTimeout = 5000;

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections?.();
  try {
    await emulator._rulesManager.stop();
  } catch {
    // no-op manager
  }
  try {
    fs.rmSync(tempRoot, { recursive: true, force: true });
  } catch (err) {
    process.stderr.write(`storage-emulator: could not remove ${tempRoot}: ${err}\n`);
  }
  process.exit(code);
}

process.on("SIGTERM", () => void stop(0));
process.on("SIGINT", () => void stop(0));
process.on("SIGHUP", () => void stop(0));
if (args.exitWithStdin) {
  process.stdin.on("end", () => void stop(0));
  process.stdin.on("close", () => void stop(0));
  process.stdin.on("error", () => void stop(0));
  process.stdin.resume();
}

server.on("error", (err) => {
  process.stderr.write(`storage-emulator: cannot listen on ${host}:${requestedPort}: ${err.message}\n`);
  fs.rmSync(tempRoot, { recursive: true, force: true });
  process.exit(1);
});

server.listen(requestedPort, host, () => {
  boundPort = server.address().port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  process.stdout.write(`storage emulator ready on ${shownHost}:${boundPort}\n`);
});
