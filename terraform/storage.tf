# The buckets of DESIGN.md §3 plus the Gradle build cache. Real name = var.bucket_prefix + logical
# name (the services get the prefix as GCS_BUCKET_PREFIX). All: uniform bucket-level access, public
# access prevention, incomplete multipart uploads cleaned up, CORS for signed URLs used from the app.

# Source files: {uid}/{projectId}/{path}. Versioned, so an overwrite or delete can be undone;
# old versions are trimmed after 30 days or beyond 10 newer ones.
resource "google_storage_bucket" "project_source_files" {
  name                        = "${var.bucket_prefix}project-source-files"
  location                    = var.storage_location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
    }
    action {
      type = "Delete"
    }
  }
  lifecycle_rule {
    condition {
      num_newer_versions = 10
      with_state         = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }
  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  cors {
    origin          = var.cors_origins
    method          = ["GET", "HEAD", "PUT", "POST"]
    response_header = ["Content-Type", "Content-Length", "Content-Range", "ETag", "x-goog-generation", "x-goog-resumable"]
    max_age_seconds = 3600
  }

  depends_on = [google_project_service.apis]
}

# Build artifacts: {uid}/{projectId}/{buildId}/{file}. Hot for a month, then colder, then gone.
resource "google_storage_bucket" "build_artifacts" {
  name                        = "${var.bucket_prefix}build-artifacts"
  location                    = var.storage_location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  lifecycle_rule {
    condition {
      age                   = 30
      matches_storage_class = ["STANDARD"]
    }
    action {
      type          = "SetStorageClass"
      storage_class = "NEARLINE"
    }
  }
  lifecycle_rule {
    condition {
      age                   = 90
      matches_storage_class = ["NEARLINE"]
    }
    action {
      type          = "SetStorageClass"
      storage_class = "COLDLINE"
    }
  }
  lifecycle_rule {
    condition {
      age                   = 365
      matches_storage_class = ["COLDLINE"]
    }
    action {
      type          = "SetStorageClass"
      storage_class = "ARCHIVE"
    }
  }
  lifecycle_rule {
    condition {
      age = var.artifact_retention_days
    }
    action {
      type = "Delete"
    }
  }
  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  cors {
    origin          = var.cors_origins
    method          = ["GET", "HEAD", "PUT", "POST"]
    response_header = ["Content-Type", "Content-Length", "Content-Range", "ETag", "x-goog-generation", "x-goog-resumable"]
    max_age_seconds = 3600
  }

  depends_on = [google_project_service.apis]
}

# Marketplace assets: {assetId}/{version}/{file}. Published versions are immutable and kept.
resource "google_storage_bucket" "marketplace_assets" {
  name                        = "${var.bucket_prefix}marketplace-assets"
  location                    = var.storage_location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  cors {
    origin          = var.cors_origins
    method          = ["GET", "HEAD", "PUT", "POST"]
    response_header = ["Content-Type", "Content-Length", "Content-Range", "ETag", "x-goog-generation", "x-goog-resumable"]
    max_age_seconds = 3600
  }

  depends_on = [google_project_service.apis]
}

# Gradle build cache of the users' GitHub Actions builds, served by the BFF at /v1/build-cache/
# (objects {ownerUid}/{cacheKey}; no signed URLs, so no CORS). A cache, so entries expire quickly:
# a later default-branch build stores what it still needs again.
resource "google_storage_bucket" "build_cache" {
  name                        = "${var.bucket_prefix}build-cache"
  location                    = var.storage_location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  lifecycle_rule {
    condition {
      age = var.build_cache_retention_days
    }
    action {
      type = "Delete"
    }
  }
  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  depends_on = [google_project_service.apis]
}
