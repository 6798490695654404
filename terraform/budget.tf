# A monthly budget on the project with e-mail alerts to the billing account's admins.
# The deployer needs roles/billing.costsManager on the billing account (granted by hand, docs/deploy.md).
resource "google_billing_budget" "monthly" {
  billing_account = var.billing_account
  display_name    = "PocketCode ${var.project_id} monthly"

  budget_filter {
    projects = ["projects/${data.google_project.this.number}"]
  }

  amount {
    specified_amount {
      currency_code = var.budget_currency
      units         = tostring(var.budget_amount)
    }
  }

  threshold_rules {
    threshold_percent = 0.5
  }
  threshold_rules {
    threshold_percent = 0.9
  }
  threshold_rules {
    threshold_percent = 1.0
  }
  threshold_rules {
    threshold_percent = 1.0
    spend_basis       = "FORECASTED_SPEND"
  }

  depends_on = [google_project_service.apis]
}
