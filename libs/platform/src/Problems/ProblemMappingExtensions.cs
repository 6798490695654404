using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace PocketCode.Platform;

public static class ProblemMappingExtensions
{
    /// <summary>
    /// Maps an exception type a service does not own (e.g. a storage precondition failure) to a
    /// problem response, so handlers need no try/catch for it.
    /// <code>services.AddProblemMapping&lt;DocumentNotFoundException&gt;(e => ProblemException.NotFound(e.Message));</code>
    /// </summary>
    public static IServiceCollection AddProblemMapping<TException>(this IServiceCollection services, Func<TException, ProblemException> map)
        where TException : Exception
    {
        ArgumentNullException.ThrowIfNull(map);
        services.AddSingleton<IExceptionHandler>(sp => new MappedExceptionHandler<TException>(
            map, sp.GetRequiredService<IProblemDetailsService>()));
        return services;
    }

    private sealed class MappedExceptionHandler<TException>(Func<TException, ProblemException> map, IProblemDetailsService problemDetails)
        : IExceptionHandler
        where TException : Exception
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not TException typed)
            {
                return false;
            }

            var mapped = map(typed);
            var problem = ProblemExceptionHandler.FromProblemException(mapped);
            httpContext.Response.StatusCode = mapped.Status;
            return await problemDetails.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails = problem,
                Exception = mapped,
            });
        }
    }
}
