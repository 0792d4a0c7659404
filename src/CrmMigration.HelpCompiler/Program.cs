using System;

namespace CrmMigration.HelpCompiler
{
    internal static class Program
    {
        private static int Main(string[] args)
        {
            Console.Error.WriteLine("help compiler: not yet written");
            return 0;
        }
    }
}
