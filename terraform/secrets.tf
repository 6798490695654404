# Secret Manager secrets. Terraform creates the containers only; the values are added out of band
# (docs/deploy.md) so they never appear in the state or the repository:
#   printf '%s' "$VALUE" | gcloud secrets versions add SECRET_ID --data-file=-

# The platform's AI provider key (Gemini), used by the API proxy for users without their own key.
resource "google_secret_manager_secret" "platform_ai_key" {
  secret_id = "platform-ai-key"
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

# CREDENTIALS_KEYS: keyId:base64(32 bytes)[,keyId:base64...], the key-encryption keys of the
# users' stored credentials (first one encrypts, all decrypt). Rotate by adding a version with a
# new key in front.
resource "google_secret_manager_secret" "credentials_keys" {
  secret_id = "credentials-keys"
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

# BuildCache__SigningKey: base64 of 32 random bytes, the HMAC key of the build cache credentials
# the BFF issues to workflow runs. A new version (and a redeploy) invalidates the ones issued.
resource "google_secret_manager_secret" "build_cache_signing_key" {
  secret_id = "build-cache-signing-key"
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

# HMAC secret of the GitHub webhooks the BFF receives.
resource "google_secret_manager_secret" "github_webhook_secret" {
  secret_id = "github-webhook-secret"
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}
