BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule
    function script:New-TestBag([string] $Name) {
        $db = Join-Path $TestDrive "$Name.db"
        Invoke-CrmTestSql -Kind Sqlite -Database $db -Sql "CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT, email TEXT); INSERT INTO contacts VALUES (1,'Ann','ann@x.org'),(2,'Bo',NULL);" | Out-Null
        $bag = Join-Path $TestDrive $Name
        Export-CrmArchive $db -Destination $bag | Out-Null
        $bag
    }
}

Describe 'Test-CrmArchive is a gate' {
    It 'answers $true for a good bag and $false for a damaged sidecar, so the documented gate throws' {
        $bag = New-TestBag good
        Test-CrmArchive $bag -Restore -Quiet | Should -BeTrue
        Set-Content -LiteralPath (Join-Path $bag 'data/contacts.csv-metadata.json') -Value '{ "tables": [ { broken'
        $ErrorActionPreference = 'Stop'
        { if (-not (Test-CrmArchive $bag -Restore -Quiet)) { throw 'gate closed' } } | Should -Throw 'gate closed'
        $checks = Test-CrmArchive $bag -Restore
        ($checks | Where-Object { $_.Check -eq 'RecordCount' -and $_.Subject -eq 'contacts' }).Status | Should -Be 'Fail'
    }

    It 'answers $false without an error for a damaged CSV header' {
        $bag = New-TestBag header
        [IO.File]::WriteAllBytes((Join-Path $bag 'data/contacts.csv'), [Text.Encoding]::UTF8.GetBytes("`"id,`"name`n`"unterminated"))
        $Error.Clear()
        Test-CrmArchive $bag -Quiet -ErrorAction Stop | Should -BeFalse
        $Error.Count | Should -Be 0
    }

    It 'answers $false for a zip holding a duplicate entry, instead of throwing an IOException' {
        $bag = New-TestBag dupzip
        $zip = Join-Path $TestDrive 'dup.zip'
        [IO.Compression.ZipFile]::CreateFromDirectory($bag, $zip, 'Fastest', $true)
        $z = [IO.Compression.ZipFile]::Open($zip, 'Update')
        try {
            $w = [IO.StreamWriter]::new($z.CreateEntry('dupzip/data/contacts.csv').Open())
            $w.Write("id,name`n9,Mallory`n"); $w.Dispose()
        }
        finally { $z.Dispose() }
        Test-CrmArchive $zip -Quiet -ErrorAction Stop | Should -BeFalse
        (Test-CrmArchive $zip | Where-Object Check -eq ZipEntryDuplicate).Status | Should -Be 'Fail'
    }

    It 'answers $false for a path that is not there' {
        Test-CrmArchive (Join-Path $TestDrive 'nothing-here') -Quiet -ErrorAction Stop | Should -BeFalse
        { Test-CrmArchive (Join-Path $TestDrive 'nothing-here') -ErrorAction Stop } | Should -Throw -ErrorId 'ArchiveNotFound,CrmMigration.Commands.TestCrmArchiveCommand'
    }
}

Describe 'Symbolic links are refused before anything is read through them' {
    It 'refuses a payload file linked to a secret elsewhere' {
        $bag = New-TestBag linkfile
        $secret = Join-Path $TestDrive 'secret.csv'
        Move-Item (Join-Path $bag 'data/contacts.csv') $secret
        New-Item -ItemType SymbolicLink -Path (Join-Path $bag 'data/contacts.csv') -Target $secret | Out-Null
        Test-CrmArchive $bag -Quiet | Should -BeFalse
        $checks = Test-CrmArchive $bag -ErrorVariable errs -ErrorAction SilentlyContinue
        ($checks | Where-Object Check -eq SymbolicLink).Subject | Should -Be 'data/contacts.csv'
        $errs | Get-CrmTestErrorId | Should -Contain 'ArchiveLinkRefused'
    }

    It 'refuses a data folder linked outside the bag, and a linked crm-manifest.json' {
        $bag = New-TestBag linkdir
        Move-Item (Join-Path $bag 'data') (Join-Path $TestDrive 'outside-data')
        New-Item -ItemType SymbolicLink -Path (Join-Path $bag 'data') -Target (Join-Path $TestDrive 'outside-data') | Out-Null
        Test-CrmArchive $bag -Quiet | Should -BeFalse

        $bag2 = New-TestBag linkmanifest
        Move-Item (Join-Path $bag2 'crm-manifest.json') (Join-Path $TestDrive 'crm-manifest.json')
        New-Item -ItemType SymbolicLink -Path (Join-Path $bag2 'crm-manifest.json') -Target (Join-Path $TestDrive 'crm-manifest.json') | Out-Null
        Test-CrmArchive $bag2 -Quiet | Should -BeFalse
        (Test-CrmArchive $bag2 -ErrorAction SilentlyContinue | Where-Object Check -eq CrmManifest).Status | Should -Be 'Fail'
    }
}

Describe 'RFC 8493 paths and fetch.txt' {
    It 'accepts manifest paths written with a leading ./' {
        $bag = New-TestBag dotslash
        foreach ($m in 'manifest-sha256.txt', 'manifest-sha512.txt') {
            $file = Join-Path $bag $m
            $lines = Get-Content -LiteralPath $file | ForEach-Object { $_ -replace '  data/', '  ./data/' }
            [IO.File]::WriteAllText($file, (($lines -join "`n") + "`n"))
        }
        # The tag manifest pins the manifests: rewrite it as another tool would.
        $tags = 'bag-info.txt', 'bagit.txt', 'crm-manifest.json', 'manifest-sha256.txt', 'manifest-sha512.txt' | ForEach-Object {
            (Get-FileHash -Algorithm SHA512 -LiteralPath (Join-Path $bag $_)).Hash.ToLowerInvariant() + '  ' + $_ }
        [IO.File]::WriteAllText((Join-Path $bag 'tagmanifest-sha512.txt'), (($tags -join "`n") + "`n"))
        Test-CrmArchive $bag -Restore | Where-Object Status -eq Fail | ForEach-Object { "$($_.Check) $($_.Details)" } | Should -BeNullOrEmpty
    }

    It 'fails a bag whose fetch.txt lists a file that is not in it' {
        $bag = New-TestBag fetch
        [IO.File]::WriteAllText((Join-Path $bag 'fetch.txt'), "https://example.org/contacts.csv 120 data/missing.csv`n")
        Test-CrmArchive $bag -Quiet | Should -BeFalse
        $checks = Test-CrmArchive $bag
        ($checks | Where-Object Check -eq FetchIncomplete).Subject | Should -Be 'data/missing.csv'
        ($checks | Where-Object Check -eq FetchEntry).Details | Should -Match 'not in every payload manifest'
    }

    It 'refuses fetch.txt paths that leave the bag through dot segments' {
        $bag = New-TestBag fetchescape
        [IO.File]::WriteAllText((Join-Path $bag 'fetch.txt'), "https://example.org/x 5 data/../../etc/passwd`n")
        $checks = Test-CrmArchive $bag -ErrorVariable errs -ErrorAction SilentlyContinue
        ($checks | Where-Object Check -eq FetchPathEscapes).Status | Should -Be 'Fail'
        $errs | Get-CrmTestErrorId | Should -Contain 'ArchivePathEscapes'
    }
}

Describe 'Zip extraction is bounded' {
    It 'refuses a small zip that expands to far more, and the limits are parameters' {
        $bag = New-TestBag bomb
        $zip = Join-Path $TestDrive 'bomb.zip'
        [IO.Compression.ZipFile]::CreateFromDirectory($bag, $zip, 'Fastest', $true)
        $z = [IO.Compression.ZipFile]::Open($zip, 'Update')
        try {
            $s = $z.CreateEntry('bomb/data/zeros.bin', 'Optimal').Open()
            $zeros = [byte[]]::new(1MB)
            for ($i = 0; $i -lt 64; $i++) { $s.Write($zeros, 0, $zeros.Length) }
            $s.Dispose()
        }
        finally { $z.Dispose() }
        (Get-Item $zip).Length | Should -BeLessThan 1MB
        Test-CrmArchive $zip -Quiet | Should -BeFalse
        $checks = Test-CrmArchive $zip
        ($checks | Where-Object Check -eq ZipLimits).Subject | Should -Contain 'bomb/data/zeros.bin'
        $checks.Check | Should -Not -Contain 'BagDeclaration' # nothing was extracted, so nothing was checked inside
        # With a higher ratio it is extracted (and then fails as a bag, since zeros.bin is in no manifest).
        $loose = Test-CrmArchive $zip -MaxCompressionRatio 100000
        $loose.Check | Should -Not -Contain 'ZipLimits'
        ($loose | Where-Object Check -eq PayloadListed).Subject | Should -Contain 'data/zeros.bin'
        (Test-CrmArchive $zip -MaxCompressionRatio 100000 -MaxExtractedSize 1MB | Where-Object Check -eq ZipLimits).Details | Should -Match 'MaxExtractedSize'
        (Test-CrmArchive $zip -MaxCompressionRatio 100000 -MaxEntryCount 2 | Where-Object Check -eq ZipLimits).Details | Should -Match 'MaxEntryCount'
    }
}

Describe 'Test-CrmArchive' {
    BeforeEach {
        Push-Location (New-CrmTestFolder)
        New-CrmTestDecomSource -Path ./legacy.db
        Export-CrmArchive ./legacy.db ./bag | Out-Null
    }
    AfterEach { Pop-Location }

    It 'refuses a manifest path that escapes the bag, with an error and a failed check' {
        Add-Content ./bag/manifest-sha256.txt ((New-Object string '0', 64) + '  ../../etc/passwd')
        $checks = @(Test-CrmArchive ./bag -ErrorVariable bad -ErrorAction SilentlyContinue)
        @($bad | ForEach-Object FullyQualifiedErrorId) | Should -Contain 'ArchivePathEscapes,CrmMigration.Commands.TestCrmArchiveCommand'
        @($checks | Where-Object { $_.Check -eq 'ManifestPathEscapes' -and $_.Status -eq 'Fail' }).Count | Should -Be 1
        Test-CrmArchive ./bag -Quiet -ErrorAction SilentlyContinue | Should -BeFalse
    }

    It 'passes an untouched bag and its zip, and fails a file changed after archiving with a ManifestEntry check' {
        @(Test-CrmArchive ./bag | Where-Object Status -ne 'Pass') | Should -BeNullOrEmpty
        Test-CrmArchive -LiteralPath ./bag -Quiet | Should -BeTrue
        Add-Content ./bag/data/contacts.csv 'tampered'
        $failed = @(Test-CrmArchive ./bag -ErrorAction SilentlyContinue | Where-Object Status -eq 'Fail')
        @($failed | ForEach-Object Check) | Should -Contain 'ManifestEntry'
        ($failed | Where-Object Check -eq 'ManifestEntry').Subject | Should -Contain 'data/contacts.csv'
        Test-CrmArchive ./bag -Quiet -ErrorAction SilentlyContinue | Should -BeFalse
    }
}
