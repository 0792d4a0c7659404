# Dedupe rules for the new CRM's contacts and accounts (the records legacy-to-new.psd1 produces).
# A .psd1 rules file is read as data: nothing in it runs. See Get-Help about_CrmMigration_Dedupe.
@{
    Version  = 1
    Entities = @{
        Contact = @{
            # What is compared, after which normalisation, with which comparator and weight.
            Fields     = [ordered]@{
                # First and last name as one text: half-width, accents folded, lower case, nicknames
                # (Bill = William), compared word by word in any order ('Smith, John' = 'John Smith').
                Name  = @{ Source = 'FirstName', 'LastName'; Normalize = 'Name'; Compare = 'TokenSet'; Weight = 3 }
                # E-mail: lower case, domain typos fixed (gmial.com); the same address 1, the same name at another domain 0.8.
                Email = @{ Source = 'Email'; Compare = 'Email'; Weight = 4 }
                # Phone: digits only, compared on the last 8 (+86 138-0013-8000 = 13800138000).
                Phone = @{ Source = 'Phone'; Compare = 'Phone'; Weight = 4 }
                City  = @{ Source = 'City'; Normalize = 'Text'; Compare = 'JaroWinkler'; Weight = 1 }
            }
            # Only records that share one of these keys are compared: the phone's last 8 digits, the address,
            # or the name before '@'. (Blocking on the name as well finds no more duplicates in the sample but
            # compares ten times more pairs: common names make large blocks.)
            Blocking   = @(
                @{ Field = 'Phone'; Method = 'Suffix'; Length = 8 }
                'Email'
                @{ Field = 'Email'; Method = 'LocalPart'; MinLength = 3 }
            )
            # A score of 0.75 or more merges; 0.7 to 0.75 goes to the review file; below 0.7 stays apart.
            Thresholds = @{ Match = 0.75; Review = 0.7 }
            Clustering = @{ MaxGroupSize = 10 }
            # The most complete record survives; its empty fields take the other members' values.
            Survivor   = 'MostComplete'
            Survivorship = @{
                # The e-mail of the most complete member; other addresses are kept in Notes, not dropped.
                Email = @{ Rule = 'MostComplete'; KeepLosingIn = 'Notes' }
                Phone = 'MostComplete'
                Notes = 'Longest'
            }
        }
        Account = @{
            Fields     = [ordered]@{
                # Company names without legal forms (GmbH, Ltd., 有限公司), compared word by word.
                Name    = @{ Source = 'Name'; Normalize = 'Company'; Compare = 'TokenSet'; Weight = 3 }
                Website = @{ Source = 'Website'; Normalize = 'Domain'; Compare = 'Exact'; Weight = 4 }
                Phone   = @{ Source = 'Phone'; Compare = 'Phone'; Weight = 4 }
                City    = @{ Source = 'City'; Normalize = 'Text'; Compare = 'JaroWinkler'; Weight = 1 }
            }
            Blocking   = @('Website', @{ Field = 'Phone'; Method = 'Suffix'; Length = 8 }, @{ Field = 'Name'; Method = 'SortedTokens' })
            Thresholds = @{ Match = 0.8; Review = 0.6 }
            Survivor   = 'MostComplete'
        }
    }
}
