namespace Quell.Server.Ui;

public static class ContentSecurity
{
    /// <summary>
    /// Pages show what attackers wrote (alert titles, mail subjects, URLs). Escaping is the first defence; this policy
    /// is the second: no inline script, no script or style from elsewhere, no plugins, no framing, forms post only
    /// here. quell.js and blazor.web.js are files served by Quell.
    /// </summary>
    public const string Policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseContentSecurityPolicy(this IApplicationBuilder app) =>
        app.Use((ctx, next) =>
        {
            ctx.Response.OnStarting(() =>
            {
                var h = ctx.Response.Headers;
                // A response with a stricter policy of its own (a sample's download: sandbox, nothing allowed) keeps it.
                if (string.IsNullOrEmpty(h.ContentSecurityPolicy))
                    h.ContentSecurityPolicy = Policy;
                h.XContentTypeOptions = "nosniff";
                h["Referrer-Policy"] = "no-referrer";
                return Task.CompletedTask;
            });
            return next(ctx);
        });
}
