Console.WriteLine("QuickStart: arrives with the reporting engine.");
