using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;

namespace Metrics.Reporters.DependencyInjection;

/// <summary>
/// Binds a reporter's configuration section onto its options object, collecting every problem with the full
/// configuration key (<c>Metrics:Reporters:OpenTsdb:Interval: '10 seconds' is not a valid TimeSpan (use "00:00:10")</c>).
/// Stricter than <c>ConfigurationBinder</c>: unknown keys are errors, and the messages say what to write instead.
/// </summary>
internal static class ReporterConfigurationBinder
{
    /// <summary>Keys of a reporter section that select the reporter rather than set an option.</summary>
    public static readonly string[] SelectorKeys = { "Type", "Enabled" };

    // Problems of BindDeferred, by options object (created per reporter by the options factory).
    private static readonly ConditionalWeakTable<object, List<string>> Deferred = new();

    /// <summary>Binds <paramref name="section"/> onto <paramref name="options"/>; throws <see cref="ReporterConfigurationException"/> listing every problem.</summary>
    public static void Bind(IConfigurationSection section, object options, string kind)
    {
        var problems = new List<string>();
        BindObject(section, options, kind, problems, topLevel: true);
        if (problems.Count > 0)
        {
            throw new ReporterConfigurationException(problems);
        }
    }

    /// <summary>
    /// Binds <paramref name="section"/> onto <paramref name="options"/> without throwing: the problems are kept with
    /// the options object until <see cref="TakeProblems"/>, so that they can be listed with the options' validation
    /// problems (and the configure delegates after this one still run).
    /// </summary>
    public static void BindDeferred(IConfigurationSection section, object options, string kind)
    {
        var problems = new List<string>();
        BindObject(section, options, kind, problems, topLevel: true);
        if (problems.Count > 0)
        {
            Deferred.GetValue(options, static _ => new List<string>()).AddRange(problems);
        }
    }

    /// <summary>Returns and forgets the problems <see cref="BindDeferred"/> found for <paramref name="options"/>.</summary>
    public static IReadOnlyList<string> TakeProblems(object options)
    {
        if (Deferred.TryGetValue(options, out var problems))
        {
            Deferred.Remove(options);
            return problems;
        }

        return Array.Empty<string>();
    }

    /// <summary>Reads a section of tag key/value pairs; throws <see cref="ReporterConfigurationException"/> when it is not one.</summary>
    public static Tags BindTags(IConfigurationSection section)
    {
        var problems = new List<string>();
        var tags = BindTags(section, problems);
        return problems.Count > 0 ? throw new ReporterConfigurationException(problems) : tags!;
    }

    /// <summary>Reads a section of tag key/value pairs; null, with the problems added to <paramref name="problems"/>, when it is not one.</summary>
    public static Tags? BindTags(IConfigurationSection section, List<string> problems) => ReadTags(section, section.Key, problems);

    private static Tags? ReadTags(IConfigurationSection child, string propertyName, List<string> problems)
    {
        if (!string.IsNullOrEmpty(child.Value))
        {
            problems.Add($"{child.Path}: expected tags as key/value pairs, e.g. \"{propertyName}\": {{ \"region\": \"eu\" }}");
            return null;
        }

        var children = child.GetChildren().ToList();

        // A JSON array ([ "env:prod" ]) arrives as keys 0, 1, ...: tags named by position are never what was meant.
        if (children.Count > 0 && children.TrueForAll(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < children.Count))
        {
            problems.Add($"{child.Path}: expected tags as key/value pairs, found a list; write e.g. \"{propertyName}\": {{ \"region\": \"eu\" }}");
            return null;
        }

        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var c in children)
        {
            if (string.IsNullOrEmpty(c.Value))
            {
                problems.Add($"{c.Path}: a tag value must be a non-empty string");
                return null;
            }

            pairs.Add(new KeyValuePair<string, string>(c.Key, c.Value));
        }

        return new Tags(pairs);
    }

    private static void BindObject(IConfigurationSection section, object target, string kind, List<string> problems, bool topLevel)
    {
        var properties = target.GetType()
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && (p.SetMethod?.IsPublic == true || p.GetMethod?.IsPublic == true))
            .ToArray();
        foreach (var child in section.GetChildren())
        {
            if (topLevel && SelectorKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var property = Array.Find(properties, p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                var known = string.Join(", ", properties.Where(IsBindable).Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal));
                problems.Add($"{child.Path}: unknown setting '{child.Key}' for the {kind} reporter (known settings: {known})");
                continue;
            }

            BindProperty(child, target, property, kind, problems);
        }
    }

    private static bool IsBindable(PropertyInfo p)
    {
        var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
        return IsScalar(t) || t == typeof(Tags) || DictionaryOf(t) || ListElement(t) is not null || IsNestedOptions(t);
    }

    private static void BindProperty(IConfigurationSection child, object target, PropertyInfo property, string kind, List<string> problems)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var canSet = property.SetMethod?.IsPublic == true;
        if (IsScalar(type))
        {
            if (!canSet)
            {
                problems.Add($"{child.Path}: '{property.Name}' is read-only");
                return;
            }

            if (child.Value is null)
            {
                if (child.GetChildren().Any())
                {
                    problems.Add($"{child.Path}: expected a single value, found a section");
                }
                else if (AcceptsNull(property))
                {
                    // JSON null (which configuration cannot tell from an empty object): the option's "none".
                    property.SetValue(target, null);
                }
                else
                {
                    problems.Add(type == typeof(string)
                        ? $"{child.Path}: expected a string, found null (write \"\" for none)"
                        : $"{child.Path}: expected a {TypeName(type)}, found null ({HintFor(type)})");
                }

                return;
            }

            if (child.Value.Length == 0 && Nullable.GetUnderlyingType(property.PropertyType) is not null)
            {
                property.SetValue(target, null);
                return;
            }

            if (TryParse(child.Value, type, out var value, out var hint))
            {
                property.SetValue(target, value);
            }
            else
            {
                problems.Add($"{child.Path}: {Show(child)} is not a valid {TypeName(type)} ({hint})");
            }

            return;
        }

        if (type == typeof(Tags))
        {
            if (ReadTags(child, property.Name, problems) is { } tags)
            {
                SetOrFail(child, target, property, tags, problems);
            }

            return;
        }

        if (DictionaryOf(type))
        {
            var dictionary = child.GetChildren().ToDictionary(c => c.Key, c => c.Value ?? string.Empty, StringComparer.Ordinal);
            if (canSet)
            {
                property.SetValue(target, dictionary);
            }
            else if (property.GetValue(target) is IDictionary<string, string> existing)
            {
                foreach (var (k, v) in dictionary)
                {
                    existing[k] = v;
                }
            }
            else
            {
                problems.Add($"{child.Path}: '{property.Name}' is read-only");
            }

            return;
        }

        if (ListElement(type) is { } element)
        {
            var items = child.GetChildren().ToList();
            if (items.Count == 0 && !string.IsNullOrEmpty(child.Value))
            {
                problems.Add($"{child.Path}: expected a list, e.g. \"{property.Name}\": [ ... ]");
                return;
            }

            var array = Array.CreateInstance(element, items.Count);
            var ok = true;
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i].Value is not { } raw)
                {
                    problems.Add($"{items[i].Path}: {Show(items[i])} is not a valid {TypeName(element)} (expected a single value)");
                    ok = false;
                }
                else if (TryParse(raw, element, out var item, out var hint))
                {
                    array.SetValue(item, i);
                }
                else
                {
                    problems.Add($"{items[i].Path}: {Show(items[i])} is not a valid {TypeName(element)} ({hint})");
                    ok = false;
                }
            }

            if (ok)
            {
                object value = type.IsArray ? array : Activator.CreateInstance(typeof(List<>).MakeGenericType(element), array)!;
                SetOrFail(child, target, property, value, problems);
            }

            return;
        }

        if (IsNestedOptions(type))
        {
            if (!string.IsNullOrEmpty(child.Value))
            {
                problems.Add($"{child.Path}: expected a section with the settings of {type.Name}, found a single value");
                return;
            }

            if (canSet && AcceptsNull(property) && !child.GetChildren().Any())
            {
                // JSON null (which configuration cannot tell from an empty object), as for the other options that take
                // null: the option's "none", so "AdaptiveBatching": null leaves adaptive batching off, its default.
                property.SetValue(target, null);
                return;
            }

            // Bind a copy: the current value may be shared (FieldNaming.Pyformance is a static instance).
            var current = property.GetValue(target);
            var nested = Activator.CreateInstance(type)!;
            if (current is not null)
            {
                foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.SetMethod?.IsPublic == true && p.GetIndexParameters().Length == 0))
                {
                    p.SetValue(nested, p.GetValue(current));
                }
            }

            BindObject(child, nested, kind, problems, topLevel: false);
            if (canSet)
            {
                property.SetValue(target, nested);
            }
            else
            {
                problems.Add($"{child.Path}: '{property.Name}' is read-only");
            }

            return;
        }

        problems.Add($"{child.Path}: '{property.Name}' cannot be set from configuration; set it in code (the configure delegate of Add{kind})");
    }

    /// <summary>True for a nullable value type or a reference type declared nullable (<c>string?</c>, <c>Uri?</c>).</summary>
    private static bool AcceptsNull(PropertyInfo property) =>
        Nullable.GetUnderlyingType(property.PropertyType) is not null
        || (!property.PropertyType.IsValueType && new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable);

    private static void SetOrFail(IConfigurationSection child, object target, PropertyInfo property, object value, List<string> problems)
    {
        if (property.SetMethod?.IsPublic == true)
        {
            property.SetValue(target, value);
        }
        else
        {
            problems.Add($"{child.Path}: '{property.Name}' is read-only");
        }
    }

    private static bool IsScalar(Type t) =>
        t == typeof(string) || t == typeof(bool) || t == typeof(int) || t == typeof(long) || t == typeof(double)
        || t == typeof(float) || t == typeof(decimal) || t == typeof(TimeSpan) || t == typeof(Uri) || t.IsEnum;

    private static bool DictionaryOf(Type t) =>
        t == typeof(Dictionary<string, string>) || t == typeof(IDictionary<string, string>) || t == typeof(IReadOnlyDictionary<string, string>);

    private static Type? ListElement(Type t)
    {
        if (t.IsArray)
        {
            return IsScalar(t.GetElementType()!) ? t.GetElementType() : null;
        }

        if (t.IsGenericType && t.GetGenericArguments() is [var e] && IsScalar(e))
        {
            var def = t.GetGenericTypeDefinition();
            if (def == typeof(List<>) || def == typeof(IList<>) || def == typeof(IReadOnlyList<>) || def == typeof(IEnumerable<>) || def == typeof(ICollection<>) || def == typeof(IReadOnlyCollection<>))
            {
                return e;
            }
        }

        return null;
    }

    private static bool IsNestedOptions(Type t) =>
        t.IsClass && !t.IsAbstract && !typeof(Delegate).IsAssignableFrom(t) && !typeof(IEnumerable).IsAssignableFrom(t)
        && t.GetConstructor(Type.EmptyTypes) is not null && t.Namespace?.StartsWith("Metrics", StringComparison.Ordinal) == true;

    private static bool TryParse(string raw, Type type, out object? value, out string hint)
    {
        var text = raw.Trim();
        hint = HintFor(type);
        value = null;
        var c = CultureInfo.InvariantCulture;
        if (type.IsEnum)
        {
            if (!text.All(char.IsAsciiDigit) && !text.StartsWith('-') && Enum.TryParse(type, text, ignoreCase: true, out var e))
            {
                value = e;
                return true;
            }

            return false;
        }

        switch (Type.GetTypeCode(type))
        {
            case TypeCode.String:
                value = raw;
                return true;
            case TypeCode.Boolean when bool.TryParse(text, out var b):
                value = b;
                return true;
            case TypeCode.Int32 when int.TryParse(text, NumberStyles.Integer, c, out var i):
                value = i;
                return true;
            case TypeCode.Int64 when long.TryParse(text, NumberStyles.Integer, c, out var l):
                value = l;
                return true;
            case TypeCode.Double when double.TryParse(text, NumberStyles.Float, c, out var d):
                value = d;
                return true;
            case TypeCode.Single when float.TryParse(text, NumberStyles.Float, c, out var f):
                value = f;
                return true;
            case TypeCode.Decimal when decimal.TryParse(text, NumberStyles.Number, c, out var m):
                value = m;
                return true;
        }

        if (type == typeof(TimeSpan))
        {
            // TimeSpan.TryParse reads a bare number as days ("10" is ten days): refuse it, a duration has a ':'.
            if (IsBareNumber(text))
            {
                hint = BareNumberHint;
                return false;
            }

            if (TimeSpan.TryParse(text, c, out var ts))
            {
                value = ts;
                return true;
            }

            return false;
        }

        if (type == typeof(Uri) && Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            value = uri;
            return true;
        }

        return false;
    }

    private const string BareNumberHint = "a bare number is not a duration; write hh:mm:ss, e.g. \"00:00:10\" for 10 seconds, or d.hh:mm:ss for days";

    /// <summary>An integer or decimal without a ':' (e.g. "10", "-5", "1.5"), which <see cref="TimeSpan.TryParse(string, IFormatProvider, out TimeSpan)"/> would read as days.</summary>
    private static bool IsBareNumber(string text) =>
        !text.Contains(':', StringComparison.Ordinal)
        && decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _);

    private static string HintFor(Type type)
    {
        if (type.IsEnum)
        {
            return "use one of: " + string.Join(", ", Enum.GetNames(type));
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => "use true or false",
            TypeCode.Int32 or TypeCode.Int64 => "use a whole number, e.g. 1000",
            TypeCode.Double or TypeCode.Single or TypeCode.Decimal => "use a number with '.' as the decimal separator, e.g. 0.5",
            _ when type == typeof(TimeSpan) => "use \"00:00:10\"",
            _ when type == typeof(Uri) => "use an absolute URI, e.g. \"http://localhost:4242\"",
            _ => "see the option's documentation",
        };
    }

    private static string TypeName(Type type) => type.IsEnum ? type.Name : Type.GetTypeCode(type) switch
    {
        TypeCode.Boolean => "boolean",
        TypeCode.Int32 or TypeCode.Int64 => "whole number",
        TypeCode.Double or TypeCode.Single or TypeCode.Decimal => "number",
        _ when type == typeof(Uri) => "absolute URI",
        _ => type.Name,
    };

    // The value is echoed to help fix it, except for keys that look like credentials.
    private static string Show(IConfigurationSection section)
    {
        var key = section.Key;
        var secret = key.Contains("token", StringComparison.OrdinalIgnoreCase) || key.Contains("key", StringComparison.OrdinalIgnoreCase)
            || key.Contains("secret", StringComparison.OrdinalIgnoreCase) || key.Contains("password", StringComparison.OrdinalIgnoreCase);
        // An address may carry credentials of its own (user:password@, ?token=): those parts are never echoed.
        return secret ? "the value" : "'" + (section.Value is { } value && value.Contains("://", StringComparison.Ordinal) ? Transports.SafeUri.Describe(value) : section.Value) + "'";
    }
}
