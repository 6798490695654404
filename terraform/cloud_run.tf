# The three services on Cloud Run. Each container gets exactly the settings its code reads
# (terraform/tests checks this against the services themselves): plain values as env, secrets as
# Secret Manager references. Cloud Run itself sets PORT, K_SERVICE and K_REVISION.
#
# Probes: startup and liveness on /health/live (no dependency checks, so a Firestore hiccup never
# restarts healthy instances); /health/ready checks the stores and is for operators and dashboards.

locals {
  images = {
    bff         = var.bff_image_tag
    api-proxy   = var.api_proxy_image_tag
    marketplace = var.marketplace_image_tag
  }
  # A tag ("v1") or a digest ("sha256:..."): digests pin the exact image that was tested.
  image_refs = {
    for name, ref in local.images :
    name => startswith(ref, "sha256:") ? "${local.registry}/${name}@${ref}" : "${local.registry}/${name}:${ref}"
  }
}

# --- BFF: the only public entry point.
resource "google_cloud_run_v2_service" "bff" {
  name     = "bff"
  location = var.region
  ingress  = "INGRESS_TRAFFIC_ALL"

  # Build progress streams (SSE) stay open for a while, hence the long request timeout.
  template {
    service_account                  = google_service_account.bff.email
    max_instance_request_concurrency = 80
    timeout                          = "3600s"

    scaling {
      min_instance_count = var.min_instances.bff
      max_instance_count = var.max_instances.bff
    }

    # Internal services accept only traffic that comes through the VPC: all egress goes through it
    # (Cloud NAT for the internet, see network.tf).
    vpc_access {
      egress = "ALL_TRAFFIC"
      network_interfaces {
        network    = google_compute_network.main.id
        subnetwork = google_compute_subnetwork.run.id
      }
    }

    containers {
      image = local.image_refs["bff"]

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = "1"
          memory = "512Mi"
        }
        cpu_idle          = true
        startup_cpu_boost = true
      }

      startup_probe {
        http_get {
          path = "/health/live"
        }
        period_seconds    = 2
        timeout_seconds   = 1
        failure_threshold = 30
      }

      liveness_probe {
        http_get {
          path = "/health/live"
        }
        period_seconds    = 30
        timeout_seconds   = 3
        failure_threshold = 3
      }

      env {
        name  = "GOOGLE_CLOUD_PROJECT"
        value = var.project_id
      }
      env {
        name  = "DOCUMENT_STORE"
        value = "firestore"
      }
      env {
        name  = "FIRESTORE_DATABASE"
        value = google_firestore_database.main.name
      }
      env {
        name  = "BLOB_STORE"
        value = "gcs"
      }
      env {
        name  = "GCS_BUCKET_PREFIX"
        value = var.bucket_prefix
      }
      env {
        name  = "Services__Marketplace__Url"
        value = google_cloud_run_v2_service.marketplace.uri
      }
      env {
        name  = "Services__ApiProxy__Url"
        value = google_cloud_run_v2_service.api_proxy.uri
      }
      env {
        name  = "PUBLIC_BASE_URL"
        value = var.bff_public_url
      }
      env {
        name = "CREDENTIALS_KEYS"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.credentials_keys.secret_id
            version = "latest"
          }
        }
      }
      env {
        name = "GITHUB_WEBHOOK_SECRET"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.github_webhook_secret.secret_id
            version = "latest"
          }
        }
      }
      # The Gradle build cache (bucket GCS_BUCKET_PREFIX + "build-cache"): the key that signs the
      # workflows' cache credentials, and the largest entry it stores.
      env {
        name = "BuildCache__SigningKey"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.build_cache_signing_key.secret_id
            version = "latest"
          }
        }
      }
      env {
        name  = "BuildCache__MaxEntryBytes"
        value = var.build_cache_max_entry_bytes
      }
    }
  }

  depends_on = [
    google_project_service.apis,
    google_secret_manager_secret_iam_member.bff_credentials_keys,
    google_secret_manager_secret_iam_member.bff_github_webhook_secret,
    google_secret_manager_secret_iam_member.bff_build_cache_signing_key,
  ]
}

# --- API proxy: internal; only the BFF may call it.
resource "google_cloud_run_v2_service" "api_proxy" {
  name     = "api-proxy"
  location = var.region
  ingress  = "INGRESS_TRAFFIC_INTERNAL_ONLY"

  # AI calls mostly wait on the provider: many concurrent requests per instance; answers stream.
  template {
    service_account                  = google_service_account.api_proxy.email
    max_instance_request_concurrency = 200
    timeout                          = "3600s"

    scaling {
      min_instance_count = var.min_instances.api_proxy
      max_instance_count = var.max_instances.api_proxy
    }

    containers {
      image = local.image_refs["api-proxy"]

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = "1"
          memory = "256Mi"
        }
        cpu_idle          = true
        startup_cpu_boost = true
      }

      startup_probe {
        http_get {
          path = "/health/live"
        }
        period_seconds    = 1
        timeout_seconds   = 1
        failure_threshold = 30
      }

      liveness_probe {
        http_get {
          path = "/health/live"
        }
        period_seconds    = 30
        timeout_seconds   = 3
        failure_threshold = 3
      }

      env {
        name  = "GOOGLE_CLOUD_PROJECT"
        value = var.project_id
      }
      env {
        name  = "DOCUMENT_STORE"
        value = "firestore"
      }
      env {
        name  = "FIRESTORE_DATABASE"
        value = google_firestore_database.main.name
      }
      # The proxy uses only the document store: users' own keys (vault) and usage counters.
      env {
        name = "CREDENTIALS_KEYS"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.credentials_keys.secret_id
            version = "latest"
          }
        }
      }
      env {
        name = "GEMINI_API_KEY"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.platform_ai_key.secret_id
            version = "latest"
          }
        }
      }
    }
  }

  depends_on = [
    google_project_service.apis,
    google_secret_manager_secret_iam_member.api_proxy_credentials_keys,
    google_secret_manager_secret_iam_member.api_proxy_platform_ai_key,
  ]
}

# --- Marketplace: internal; only the BFF may call it.
resource "google_cloud_run_v2_service" "marketplace" {
  name     = "marketplace"
  location = var.region
  ingress  = "INGRESS_TRAFFIC_INTERNAL_ONLY"

  template {
    service_account                  = google_service_account.marketplace.email
    max_instance_request_concurrency = 80
    timeout                          = "300s"

    scaling {
      min_instance_count = var.min_instances.marketplace
      max_instance_count = var.max_instances.marketplace
    }

    containers {
      image = local.image_refs["marketplace"]

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = "1"
          memory = "512Mi"
        }
        cpu_idle          = true
        startup_cpu_boost = true
      }

      startup_probe {
        http_get {
          path = "/health/live"
        }
        period_seconds    = 2
        timeout_seconds   = 1
        failure_threshold = 30
      }

      liveness_probe {
        http_get {
          path = "/health/live"
        }
        period_seconds    = 30
        timeout_seconds   = 3
        failure_threshold = 3
      }

      env {
        name  = "GOOGLE_CLOUD_PROJECT"
        value = var.project_id
      }
      env {
        name  = "DOCUMENT_STORE"
        value = "firestore"
      }
      env {
        name  = "FIRESTORE_DATABASE"
        value = google_firestore_database.main.name
      }
      env {
        name  = "BLOB_STORE"
        value = "gcs"
      }
      env {
        name  = "GCS_BUCKET_PREFIX"
        value = var.bucket_prefix
      }
    }
  }

  depends_on = [google_project_service.apis]
}
