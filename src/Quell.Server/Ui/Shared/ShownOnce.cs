using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Quell.Identity;

namespace Quell.Server.Ui.Shared;

/// <summary>
/// A secret (a new API key, a generated password) carried across the redirect after the post that made it, and shown
/// by the next page only: the value travels in a short-lived, encrypted, HttpOnly cookie bound to the signed-in user,
/// and reading it deletes the cookie, so a reload or the back button never shows it again. The secret is never put in
/// a URL (it would land in history and logs).
/// </summary>
public static class ShownOnce
{
    const string Cookie = "quell.once";
    static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    static ITimeLimitedDataProtector Protector(HttpContext http) =>
        http.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector("Quell.Ui.ShownOnce").ToTimeLimitedDataProtector();

    /// <summary>Keeps <paramref name="text"/> for the next page under <paramref name="path"/> that calls <see cref="Take"/>.</summary>
    public static void Put(HttpContext http, string path, string text)
    {
        var caller = Caller.FromPrincipal(http.User) ?? throw new InvalidOperationException("a secret is shown only to a signed-in user");
        var value = Protector(http).Protect($"{caller.UserId}\n{text}", Lifetime);
        http.Response.Cookies.Append(Cookie, value, new CookieOptions
        {
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            Path = path,
            MaxAge = Lifetime,
        });
    }

    /// <summary>The kept secret, once; null when there is none, it expired, or another user left it.</summary>
    public static string? Take(HttpContext http, string path)
    {
        if (http.Request.Cookies[Cookie] is not { Length: > 0 } value)
            return null;
        http.Response.Cookies.Delete(Cookie, new CookieOptions { Path = path });
        var caller = Caller.FromPrincipal(http.User);
        try
        {
            var plain = Protector(http).Unprotect(value);
            var newline = plain.IndexOf('\n', StringComparison.Ordinal);
            return caller is not null && newline > 0 && plain[..newline] == caller.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture)
                ? plain[(newline + 1)..] : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
