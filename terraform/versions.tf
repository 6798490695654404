# Terraform and provider versions. State lives in a GCS bucket created once by hand (docs/deploy.md);
# the bucket name is passed at init time: terraform init -backend-config="bucket=<state bucket>".
terraform {
  required_version = ">= 1.9"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.30"
    }
  }

  backend "gcs" {
    prefix = "pocketcode/state"
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

# The project's number (budget filter, workload identity principal names).
data "google_project" "this" {
  project_id = var.project_id
}

# The APIs every resource below needs. Disabling them on destroy would break other users of the project.
resource "google_project_service" "apis" {
  for_each = toset([
    "artifactregistry.googleapis.com",
    "billingbudgets.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "compute.googleapis.com",
    "fcm.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "serviceusage.googleapis.com",
    "storage.googleapis.com",
    "sts.googleapis.com",
  ])
  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}
