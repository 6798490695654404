# One service account per service, each with only what its code uses. docs/deploy.md lists the
# same grants in a table; terraform/tests fails when the two differ.

resource "google_service_account" "bff" {
  account_id   = "pocketcode-bff"
  display_name = "PocketCode BFF (Cloud Run)"
}

resource "google_service_account" "api_proxy" {
  account_id   = "pocketcode-api-proxy"
  display_name = "PocketCode API proxy (Cloud Run)"
}

resource "google_service_account" "marketplace" {
  account_id   = "pocketcode-marketplace"
  display_name = "PocketCode marketplace (Cloud Run)"
}

# --- Firestore: read/write documents (no admin rights on indexes or the database).

resource "google_project_iam_member" "bff_datastore_user" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.bff.email}"
}

# --- FCM HTTP v1: the BFF sends build notifications (messages:send) with its own identity.

resource "google_project_iam_member" "bff_fcm_sender" {
  project = var.project_id
  role    = "roles/firebasecloudmessaging.admin"
  member  = "serviceAccount:${google_service_account.bff.email}"
}

resource "google_project_iam_member" "api_proxy_datastore_user" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.api_proxy.email}"
}

resource "google_project_iam_member" "marketplace_datastore_user" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.marketplace.email}"
}

# --- Cloud Storage: object roles on the buckets each service touches, nothing project-wide.

resource "google_storage_bucket_iam_member" "bff_project_source_files" {
  bucket = google_storage_bucket.project_source_files.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.bff.email}"
}

resource "google_storage_bucket_iam_member" "bff_build_artifacts" {
  bucket = google_storage_bucket.build_artifacts.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.bff.email}"
}

# The BFF serves the Gradle build cache itself (/v1/build-cache/{key}), reading and writing the
# entries of the owner a workflow's cache credential names; nothing else touches the bucket.
resource "google_storage_bucket_iam_member" "bff_build_cache" {
  bucket = google_storage_bucket.build_cache.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.bff.email}"
}

resource "google_storage_bucket_iam_member" "marketplace_marketplace_assets" {
  bucket = google_storage_bucket.marketplace_assets.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.marketplace.email}"
}

# --- Secret Manager: each service reads only its own secrets.

resource "google_secret_manager_secret_iam_member" "bff_credentials_keys" {
  secret_id = google_secret_manager_secret.credentials_keys.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.bff.email}"
}

resource "google_secret_manager_secret_iam_member" "bff_github_webhook_secret" {
  secret_id = google_secret_manager_secret.github_webhook_secret.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.bff.email}"
}

resource "google_secret_manager_secret_iam_member" "bff_build_cache_signing_key" {
  secret_id = google_secret_manager_secret.build_cache_signing_key.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.bff.email}"
}

resource "google_secret_manager_secret_iam_member" "api_proxy_platform_ai_key" {
  secret_id = google_secret_manager_secret.platform_ai_key.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.api_proxy.email}"
}

# Users' own AI keys (BYOK) are stored encrypted under CREDENTIALS_KEYS; the proxy decrypts them.
resource "google_secret_manager_secret_iam_member" "api_proxy_credentials_keys" {
  secret_id = google_secret_manager_secret.credentials_keys.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.api_proxy.email}"
}

# --- Signed URLs: on Cloud Run a service signs as itself through the IAM signBlob API, which needs
# the token creator role on its own account.

resource "google_service_account_iam_member" "bff_signs_as_itself" {
  service_account_id = google_service_account.bff.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.bff.email}"
}

resource "google_service_account_iam_member" "marketplace_signs_as_itself" {
  service_account_id = google_service_account.marketplace.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.marketplace.email}"
}

# --- Who may call which service: anyone the BFF (it checks Firebase tokens itself); the internal
# services only the BFF's account (its Google ID token in X-Serverless-Authorization).

resource "google_cloud_run_v2_service_iam_member" "bff_public" {
  name     = google_cloud_run_v2_service.bff.name
  location = google_cloud_run_v2_service.bff.location
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_cloud_run_v2_service_iam_member" "bff_invokes_api_proxy" {
  name     = google_cloud_run_v2_service.api_proxy.name
  location = google_cloud_run_v2_service.api_proxy.location
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.bff.email}"
}

resource "google_cloud_run_v2_service_iam_member" "bff_invokes_marketplace" {
  name     = google_cloud_run_v2_service.marketplace.name
  location = google_cloud_run_v2_service.marketplace.location
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.bff.email}"
}
