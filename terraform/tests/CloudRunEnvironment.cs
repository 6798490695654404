using System.Security.Cryptography;
using System.Text.Json;
using PocketCode.Accounts.Credentials;

namespace PocketCode.Terraform.Tests;

/// <summary>One <c>env</c> entry of a Cloud Run container: a plain value or a Secret Manager reference.</summary>
public sealed record CloudRunVariable(string Name, string? Value, string? Secret);

public static class CloudRunEnvironment
{
    /// <summary>The env entries of the (single) container of a <c>google_cloud_run_v2_service</c>.</summary>
    public static IReadOnlyList<CloudRunVariable> Variables(TerraformConfig config, string service)
    {
        var body = config.Resource("google_cloud_run_v2_service", service);
        var containers = TerraformConfig.Blocks(body, "template").SelectMany(t => TerraformConfig.Blocks(t, "containers")).ToList();
        if (containers.Count != 1)
        {
            throw new InvalidOperationException($"google_cloud_run_v2_service.{service} should run exactly one container (it has {containers.Count}).");
        }

        return TerraformConfig.Blocks(containers[0], "env").Select(env =>
        {
            var name = TerraformConfig.Text(env, "name") ?? throw new InvalidOperationException($"google_cloud_run_v2_service.{service}: an env block has no name.");
            var secret = TerraformConfig.Blocks(env, "value_source").SelectMany(v => TerraformConfig.Blocks(v, "secret_key_ref"))
                .Select(r => TerraformConfig.Text(r, "secret")).FirstOrDefault();
            return new CloudRunVariable(name, TerraformConfig.Text(env, "value"), secret);
        }).ToList();
    }

    /// <summary>
    /// What the container would see for the example deployment: plain values resolved, each secret
    /// replaced by a generated value of the shape the service expects.
    /// </summary>
    public static Dictionary<string, string> Resolve(TerraformConfig config, IEnumerable<CloudRunVariable> variables) =>
        variables.ToDictionary(
            v => v.Name,
            v => v.Secret is not null ? DummySecret(v.Name) : config.Resolve(v.Value ?? string.Empty),
            StringComparer.Ordinal);

    private static string DummySecret(string variable) => variable switch
    {
        CredentialKeysOptions.ConfigurationKey => CredentialKeyRing.NewEntry("k1"),
        _ => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    };
}
