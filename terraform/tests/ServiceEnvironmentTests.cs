using Xunit;

namespace PocketCode.Terraform.Tests;

/// <summary>
/// Each Cloud Run service of <c>cloud_run.tf</c> against the code it runs: started in memory in
/// Production with exactly the environment Terraform provides (secrets as generated values of the
/// right shape), it must start (so every required setting is there) and must have read every
/// variable it was given (so none is unknown or misspelt). The list of settings comes from the code.
/// </summary>
public sealed class ServiceEnvironmentTests
{
    [Theory]
    [MemberData(nameof(CloudRunServices.Names), MemberType = typeof(CloudRunServices))]
    public async Task Starts_in_production_with_exactly_the_environment_terraform_provides(string service)
    {
        var config = await TerraformConfig.LoadAsync();
        var variables = CloudRunEnvironment.Variables(config, service);

        var launch = await CloudRunServices.LaunchAsTerraformConfiguresAsync(service);

        Assert.True(launch.Started,
            $"{service} does not start in Production with the environment google_cloud_run_v2_service.{service} provides in " +
            $"terraform/cloud_run.tf ({string.Join(", ", variables.Select(v => v.Name))}). Add what the service requires as an env " +
            $"block (a secret as value_source.secret_key_ref): {launch.Failure}");
    }

    [Theory]
    [MemberData(nameof(CloudRunServices.Names), MemberType = typeof(CloudRunServices))]
    public async Task Every_variable_terraform_sets_is_one_the_service_reads(string service)
    {
        var config = await TerraformConfig.LoadAsync();
        var variables = CloudRunEnvironment.Variables(config, service);

        var launch = await CloudRunServices.LaunchAsTerraformConfiguresAsync(service);

        var unknown = variables.Where(v => !launch.ReadKeys.Contains(CloudRunServices.ConfigurationKey(v.Name))).Select(v => v.Name).ToList();
        Assert.True(unknown.Count == 0,
            $"google_cloud_run_v2_service.{service} in terraform/cloud_run.tf sets {string.Join(", ", unknown)}, which the {service} " +
            "service never reads (misspelt, or a setting of another service): remove it or fix its name.");
        var duplicates = variables.GroupBy(v => v.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"google_cloud_run_v2_service.{service} sets {string.Join(", ", duplicates)} more than once.");
    }

    [Theory]
    [MemberData(nameof(CloudRunServices.Names), MemberType = typeof(CloudRunServices))]
    public async Task Without_a_required_variable_start_up_fails_naming_it(string service)
    {
        var config = await TerraformConfig.LoadAsync();
        var variables = CloudRunEnvironment.Variables(config, service);
        var environment = CloudRunEnvironment.Resolve(config, variables);

        var required = new List<string>();
        foreach (var variable in variables)
        {
            var without = environment.Where(pair => pair.Key != variable.Name).ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
            var launch = await CloudRunServices.ByResourceName[service].LaunchAsync(without);
            if (launch.Started)
            {
                continue;
            }

            required.Add(variable.Name);
            Assert.True(
                launch.Failure!.Contains(variable.Name, StringComparison.Ordinal)
                    || launch.Failure.Contains(CloudRunServices.ConfigurationKey(variable.Name), StringComparison.Ordinal),
                $"{service} without {variable.Name} fails to start, but the failure does not name it: {launch.Failure}");
        }

        // Every service needs at least its project id outside Development, so the probe above can fail.
        Assert.Contains("GOOGLE_CLOUD_PROJECT", required);
    }

    [Theory]
    [MemberData(nameof(CloudRunServices.Names), MemberType = typeof(CloudRunServices))]
    public async Task A_variable_no_code_reads_is_reported_as_unknown(string service)
    {
        // The check above can fail: a setting nothing reads is not among the recorded keys.
        var config = await TerraformConfig.LoadAsync();
        var environment = CloudRunEnvironment.Resolve(config, CloudRunEnvironment.Variables(config, service));
        environment["POCKETCODE_NOT_A_SETTING"] = "1";
        environment["Services__Nowhere__Url"] = "https://nowhere.example";

        var launch = await CloudRunServices.ByResourceName[service].LaunchAsync(environment);

        Assert.True(launch.Started, launch.Failure);
        Assert.DoesNotContain("POCKETCODE_NOT_A_SETTING", launch.ReadKeys);
        Assert.DoesNotContain("Services:Nowhere:Url", launch.ReadKeys);
        Assert.Contains("GOOGLE_CLOUD_PROJECT", launch.ReadKeys);
    }
}
