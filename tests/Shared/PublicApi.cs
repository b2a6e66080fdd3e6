using System.Reflection;
using System.Text;

namespace Metrics.Testing;

/// <summary>
/// Lists an assembly's public surface (types and their public/protected members) as text, and compares it with
/// a checked-in file so every public change shows in review. To accept a change run the tests with
/// METRICS_ACCEPT_API=1 and commit the updated file.
/// </summary>
internal static class PublicApi
{
    public static void AssertMatchesApproved(Assembly assembly)
    {
        var actual = Describe(assembly);
        var file = Path.Combine(RepositoryRoot(), "tests", "PublicApi", assembly.GetName().Name + ".txt");
        if (Environment.GetEnvironmentVariable("METRICS_ACCEPT_API") == "1")
        {
            File.WriteAllText(file, actual);
            return;
        }

        var approved = File.Exists(file) ? File.ReadAllText(file).ReplaceLineEndings("\n") : string.Empty;
        if (approved != actual)
        {
            var received = Path.ChangeExtension(file, ".received.txt");
            File.WriteAllText(received, actual);
            var a = approved.Split('\n').ToHashSet();
            var b = actual.Split('\n').ToHashSet();
            var added = actual.Split('\n').Where(l => !a.Contains(l)).Take(40);
            var removed = approved.Split('\n').Where(l => !b.Contains(l)).Take(40);
            Assert.Fail(
                $"The public API of {assembly.GetName().Name} changed. Review it, then accept with METRICS_ACCEPT_API=1 (writes {file}).\n" +
                "Added:\n  " + string.Join("\n  ", added) + "\nRemoved:\n  " + string.Join("\n  ", removed));
        }
    }

    public static string Describe(Assembly assembly)
    {
        var sb = new StringBuilder();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            sb.Append(Kind(type)).Append(' ').Append(Name(type));
            var bases = new List<string>();
            if (type.BaseType is { } bt && bt != typeof(object) && bt != typeof(ValueType) && bt != typeof(Enum) && bt != typeof(MulticastDelegate))
            {
                bases.Add(Name(bt));
            }

            bases.AddRange(type.GetInterfaces().Select(Name).OrderBy(n => n, StringComparer.Ordinal));
            if (bases.Count > 0)
            {
                sb.Append(" : ").Append(string.Join(", ", bases));
            }

            sb.Append('\n');
            const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var lines = new List<string>();
            foreach (var m in type.GetMembers(flags))
            {
                var line = Member(m);
                if (line != null)
                {
                    lines.Add("  " + line);
                }
            }

            lines.Sort(StringComparer.Ordinal);
            foreach (var l in lines)
            {
                sb.Append(l).Append('\n');
            }
        }

        return sb.ToString();
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Metrics.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Metrics.sln not found above " + AppContext.BaseDirectory);
    }

    private static bool Visible(MethodBase? m) => m != null && (m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly);

    private static string? Member(MemberInfo m) => m switch
    {
        ConstructorInfo c when Visible(c) => $"ctor({Params(c)})",
        MethodInfo mi when Visible(mi) && !mi.IsSpecialName =>
            $"{(mi.IsStatic ? "static " : string.Empty)}{(mi.IsAbstract ? "abstract " : mi.IsVirtual && !mi.IsFinal ? "virtual " : string.Empty)}{Name(mi.ReturnType)} {mi.Name}{Generic(mi)}({Params(mi)})",
        MethodInfo mi when Visible(mi) && mi.Name.StartsWith("op_", StringComparison.Ordinal) => $"static {Name(mi.ReturnType)} {mi.Name}({Params(mi)})",
        PropertyInfo p when Visible(p.GetMethod) || Visible(p.SetMethod) =>
            $"{(p.GetMethod?.IsStatic == true ? "static " : string.Empty)}{Name(p.PropertyType)} {p.Name}{Indexer(p)} {{ {(Visible(p.GetMethod) ? "get; " : string.Empty)}{(Visible(p.SetMethod) ? (IsInit(p) ? "init; " : "set; ") : string.Empty)}}}",
        FieldInfo f when f.IsPublic || f.IsFamily => $"{(f.IsLiteral ? "const " : f.IsStatic ? "static " : string.Empty)}{Name(f.FieldType)} {f.Name}{(f.IsLiteral ? " = " + f.GetRawConstantValue() : string.Empty)}",
        EventInfo e when Visible(e.AddMethod) => $"event {Name(e.EventHandlerType!)} {e.Name}",
        _ => null,
    };

    private static bool IsInit(PropertyInfo p) =>
        p.SetMethod!.ReturnParameter.GetRequiredCustomModifiers().Any(t => t.FullName == "System.Runtime.CompilerServices.IsExternalInit");

    private static string Indexer(PropertyInfo p)
    {
        var ps = p.GetIndexParameters();
        return ps.Length == 0 ? string.Empty : "[" + string.Join(", ", ps.Select(x => Name(x.ParameterType) + " " + x.Name)) + "]";
    }

    private static string Generic(MethodInfo m) =>
        m.IsGenericMethodDefinition ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : string.Empty;

    private static string Params(MethodBase m) => string.Join(", ", m.GetParameters().Select(p =>
        (p.IsOut ? "out " : p.ParameterType.IsByRef ? "ref " : string.Empty) + Name(p.ParameterType) + " " + p.Name + (p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : string.Empty)));

    private static string Kind(Type t) =>
        t.IsInterface ? "interface" : t.IsEnum ? "enum" : t.IsValueType ? "struct" : typeof(Delegate).IsAssignableFrom(t) ? "delegate"
        : t.IsAbstract && t.IsSealed ? "static class" : t.IsAbstract ? "abstract class" : t.IsSealed ? "sealed class" : "class";

    private static string Name(Type t)
    {
        if (t.IsByRef)
        {
            return Name(t.GetElementType()!);
        }

        if (t.IsArray)
        {
            return Name(t.GetElementType()!) + "[]";
        }

        if (t.IsGenericParameter)
        {
            return t.Name;
        }

        var name = (t.IsNested ? Name(t.DeclaringType!) + "." : t.Namespace + ".") + t.Name;
        if (t.IsGenericType)
        {
            name = name[..name.IndexOf('`', StringComparison.Ordinal)] + "<" + string.Join(", ", t.GetGenericArguments().Select(Name)) + ">";
        }

        return name;
    }
}
