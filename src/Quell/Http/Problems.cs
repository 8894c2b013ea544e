using Microsoft.AspNetCore.Http;

namespace Quell.Http;

/// <summary>RFC 9457 problem+json answers. Every error a client sees names what is wrong and, where possible, the field.</summary>
public static class Problems
{
    public static IResult Invalid(InputErrors errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(), detail: errors.Summary(), title: "The request is invalid");

    public static IResult Invalid(string field, string message)
    {
        var e = new InputErrors();
        e.Add(field, message);
        return Invalid(e);
    }

    public static IResult NotFound(string what, object id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"{what} {id} does not exist");

    public static IResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    public static IResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: detail);

    public static IResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);

    public static IResult Unauthorized(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail);
}
