output "bff_url" {
  description = "The BFF's run.app URL (the mobile app's API base unless a custom domain fronts it)."
  value       = google_cloud_run_v2_service.bff.uri
}

output "api_proxy_url" {
  description = "Internal URL of the API proxy (reachable only from the BFF)."
  value       = google_cloud_run_v2_service.api_proxy.uri
}

output "marketplace_url" {
  description = "Internal URL of the marketplace (reachable only from the BFF)."
  value       = google_cloud_run_v2_service.marketplace.uri
}

output "image_registry" {
  description = "Where the deploy workflow pushes images: REGISTRY/bff, REGISTRY/api-proxy, REGISTRY/marketplace."
  value       = local.registry
}

output "buckets" {
  description = "Real bucket names by logical name."
  value = {
    project-source-files = google_storage_bucket.project_source_files.name
    build-artifacts      = google_storage_bucket.build_artifacts.name
    marketplace-assets   = google_storage_bucket.marketplace_assets.name
    build-cache          = google_storage_bucket.build_cache.name
  }
}

output "service_accounts" {
  description = "Service account e-mails by service."
  value = {
    bff         = google_service_account.bff.email
    api-proxy   = google_service_account.api_proxy.email
    marketplace = google_service_account.marketplace.email
    deployer    = google_service_account.deployer.email
  }
}

output "workload_identity_provider" {
  description = "Value of the deploy workflow's GCP_WORKLOAD_IDENTITY_PROVIDER repository variable."
  value       = google_iam_workload_identity_pool_provider.github.name
}
