using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Quell.Scoring;

/// <summary>The score's model from the <c>Scoring</c> section, checked at start, and the one <see cref="Scorer"/> built from it.</summary>
public static class ScoringServices
{
    public static IServiceCollection AddScoring(this IServiceCollection services)
    {
        services.AddOptions<ScoreModel>().BindConfiguration(ScoreModel.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ScoreModel>, ScoreModelValidation>();
        services.AddSingleton(sp => new Scorer(sp.GetRequiredService<IOptions<ScoreModel>>().Value));
        return services;
    }
}
