# The Docker repository the deploy workflow pushes the three images to.
resource "google_artifact_registry_repository" "images" {
  location      = var.region
  repository_id = "pocketcode"
  description   = "PocketCode backend images (bff, api-proxy, marketplace)."
  format        = "DOCKER"

  # Keep the 20 most recent versions of each image (rollback targets); delete untagged ones after a week.
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 20
    }
  }
  cleanup_policies {
    id     = "delete-untagged"
    action = "DELETE"
    condition {
      tag_state  = "UNTAGGED"
      older_than = "604800s"
    }
  }

  depends_on = [google_project_service.apis]
}

locals {
  registry = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
}
