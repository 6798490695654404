# Inputs. terraform.tfvars.example lists them with example values; copy it to terraform.tfvars.

variable "project_id" {
  description = "Google Cloud project id (also the Firebase project id: the audience of ID tokens)."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project id (6-30 lowercase letters, digits or hyphens), not its number or display name."
  }
}

variable "region" {
  description = "Region of Cloud Run, Artifact Registry and the VPC."
  type        = string
  default     = "europe-west1"
}

variable "firestore_location" {
  description = "Location of the Firestore database (a region such as europe-west1, or a multi-region such as eur3)."
  type        = string
  default     = "eur3"
}

variable "storage_location" {
  description = "Location of the Cloud Storage buckets."
  type        = string
  default     = "EU"
}

variable "bucket_prefix" {
  description = "Prefix of every bucket name (bucket names are global): real name = prefix + logical name. The services get it as GCS_BUCKET_PREFIX."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{2,30}-$", var.bucket_prefix))
    error_message = "bucket_prefix must be 3-31 lowercase letters, digits or hyphens ending with a hyphen, e.g. \"pocketcode-prod-\"."
  }
}

variable "bff_image_tag" {
  description = "Tag or digest (sha256:...) of the BFF image in the Artifact Registry repository."
  type        = string
}

variable "api_proxy_image_tag" {
  description = "Tag or digest (sha256:...) of the API proxy image."
  type        = string
}

variable "marketplace_image_tag" {
  description = "Tag or digest (sha256:...) of the marketplace image."
  type        = string
}

variable "bff_public_url" {
  description = "Public base URL of the BFF: a custom domain, or its run.app URL (https://bff-PROJECT_NUMBER.REGION.run.app). The BFF gives it to build workflows to call back to, and GitHub OIDC tokens must carry it as their audience (PUBLIC_BASE_URL)."
  type        = string

  validation {
    condition     = startswith(var.bff_public_url, "https://")
    error_message = "bff_public_url must be an https URL."
  }
}

variable "cors_origins" {
  description = "Origins allowed to upload to and download from the buckets through signed URLs (web views of the app)."
  type        = list(string)
  default     = ["https://app.pocketcode.dev"]
}

variable "min_instances" {
  description = "Minimum instances per service (0 scales to zero; 1 avoids cold starts of the BFF)."
  type        = object({ bff = number, api_proxy = number, marketplace = number })
  default     = { bff = 1, api_proxy = 0, marketplace = 0 }
}

variable "max_instances" {
  description = "Maximum instances per service (a cost ceiling)."
  type        = object({ bff = number, api_proxy = number, marketplace = number })
  default     = { bff = 20, api_proxy = 20, marketplace = 10 }
}

variable "github_repository" {
  description = "owner/name of the GitHub repository whose Actions deploy this backend (workload identity federation trusts only it)."
  type        = string
}

variable "billing_account" {
  description = "Billing account id (XXXXXX-XXXXXX-XXXXXX) the budget alert watches."
  type        = string
}

variable "budget_amount" {
  description = "Monthly budget in the billing account's currency; alerts at 50%, 90% and 100% (and 100% forecast)."
  type        = number
  default     = 100
}

variable "budget_currency" {
  description = "Currency of the billing account (ISO 4217)."
  type        = string
  default     = "EUR"
}

variable "build_cache_retention_days" {
  description = "Age in days after which Gradle build-cache entries are deleted (a later main build stores them again)."
  type        = number
  default     = 14
}

variable "build_cache_max_entry_bytes" {
  description = "Largest Gradle build-cache entry the BFF stores (BuildCache__MaxEntryBytes); Cloud Run refuses HTTP/1 request bodies over 32 MiB."
  type        = number
  default     = 31457280
}

variable "artifact_retention_days" {
  description = "Age in days after which build artifacts are deleted (they move to colder classes first)."
  type        = number
  default     = 400
}
