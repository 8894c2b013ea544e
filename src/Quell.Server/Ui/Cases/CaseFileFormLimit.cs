using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Quell.Server.Ui.Cases;

/// <summary>
/// The server-wide body limit is made for JSON and forms; the case page's file form may carry a sample of up to
/// Files:MaxBytes, so a multipart post to a case page gets that much (plus room for the form) and nothing else does.
/// </summary>
public static class CaseFileFormLimit
{
    public static IApplicationBuilder UseCaseFileFormLimit(this IApplicationBuilder app) =>
        app.Use(async (ctx, next) =>
        {
            if (HttpMethods.IsPost(ctx.Request.Method) && ctx.Request.Path.StartsWithSegments("/cases") && ctx.Request.HasFormContentType &&
                ctx.Request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true &&
                ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = ctx.RequestServices.GetRequiredService<IOptions<Quell.Files.FileOptions>>().Value.MaxBytes + (1L << 20);
            await next(ctx);
        });
}
