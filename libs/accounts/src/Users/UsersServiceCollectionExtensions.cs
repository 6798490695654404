using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace PocketCode.Accounts.Users;

public static class UsersServiceCollectionExtensions
{
    /// <summary>Registers <see cref="UserProfiles"/>. Needs an <c>IDocumentStore</c> (AddPocketCodeDocumentStore).</summary>
    public static IServiceCollection AddUserProfiles(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<UserProfiles>();
        return services;
    }
}
